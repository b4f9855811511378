from django.urls import path

from calloffs import views, views_approval, views_confirm, views_quality

urlpatterns = [
    # Commissioners
    path("call-offs/", views.calloff_list, name="list"),
    path("call-offs/<int:pk>/", views.calloff_detail, name="detail"),
    path("call-offs/<int:pk>/close/", views.close, name="close"),
    path("call-offs/<int:pk>/close/confirm/", views_confirm.close_confirm, name="close-confirm"),
    path("call-offs/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("call-offs/<int:pk>/no-award/", views.no_award, name="no-award"),
    path("call-offs/<int:pk>/negotiation/", views.negotiation, name="negotiation"),
    path("call-offs/<int:pk>/offers/<int:eoi_pk>/score/", views.evaluate, name="evaluate"),
    path("call-offs/<int:pk>/recommend/", views.recommend, name="recommend"),
    path("call-offs/<int:pk>/questions/<int:question_pk>/answer/", views.answer,
         name="answer"),
    # DPS administrators: each lot's default quality criteria (ADR 0026)
    path("quality-criteria/", views_quality.lot_criteria_list, name="lot-criteria"),
    path("quality-criteria/<int:pk>/", views_quality.lot_criteria_edit,
         name="lot-criteria-edit"),
    # Budget holders
    path("approvals/", views_approval.approvals, name="approvals"),
    path("approvals/<int:pk>/", views_approval.approval, name="approval"),
    path("approvals/<int:pk>/check/", views_confirm.approval_check, name="approval-check"),
    path("approvals/<int:pk>/send-back/", views_approval.send_back, name="send-back"),
    path("approvals/<int:pk>/pass-on/", views_approval.pass_on, name="pass-on"),
    # Providers
    path("opportunities/", views.opportunities, name="opportunities"),
    path("opportunities/<int:pk>/", views.opportunity, name="opportunity"),
    path("opportunities/<int:pk>/response/", views.respond, name="respond"),
    path("opportunities/<int:pk>/response/withdraw/", views.withdraw_response,
         name="withdraw-response"),
    path("opportunities/<int:pk>/response/price/", views.revise, name="revise-price"),
    path("opportunities/<int:pk>/questions/", views.ask, name="ask"),
    path("responses/", views.my_responses, name="my-responses"),
]
