from django.urls import path

from contracts import views, views_approvals, views_blocks, views_confirm

urlpatterns = [
    # Authority staff
    path("placements/", views.placement_list, name="list"),
    path("placements/<int:pk>/", views.placement_detail, name="detail"),
    path("placements/<int:pk>/fee-changes/", views.record_fee_change, name="record-fee-change"),
    path("placements/<int:pk>/fee-changes/<int:change_pk>/approve/", views.approve_fee_change,
         name="approve-fee-change"),
    path("placements/<int:pk>/fee-changes/<int:change_pk>/decline/", views.decline_fee_change,
         name="decline-fee-change"),
    path("placements/<int:pk>/support-items/", views.add_support_item, name="add-support-item"),
    path("placements/<int:pk>/reviews/", views.record_review, name="record-review"),
    path("placements/<int:pk>/end/", views.end_placement, name="end"),
    path("placements/<int:pk>/end/check/", views_confirm.end_check, name="end-check"),
    path("placements/<int:pk>/agreement/v<int:version>/", views.agreement, name="agreement"),
    path("placements/<int:pk>/support-items/<int:item_pk>/review/", views.support_review,
         name="support-review"),
    path("placements/spot/", views.spot_placement, name="spot"),
    # Budget holders
    path("placements/<int:pk>/approve/", views_approvals.approve_placement,
         name="approve-placement"),
    path("blocks/<int:pk>/approve/", views_approvals.approve_block, name="approve-block"),
    path("placements/<int:pk>/approve/pass-on/", views_approvals.pass_placement,
         name="pass-placement"),
    path("blocks/<int:pk>/approve/pass-on/", views_approvals.pass_block, name="pass-block"),
    path("placements/<int:pk>/approve/check/", views_confirm.approve_placement_check,
         name="approve-placement-check"),
    path("blocks/<int:pk>/approve/check/", views_confirm.approve_block_check,
         name="approve-block-check"),
    path("blocks/", views_blocks.block_list, name="blocks"),
    path("blocks/new/", views_blocks.block_create, name="block-create"),
    path("blocks/new/check/", views_confirm.block_check, name="block-check"),
    path("blocks/<int:pk>/", views_blocks.block_detail, name="block"),
    path("blocks/<int:pk>/place/", views_blocks.block_place, name="block-place"),
    path("volume-discounts/", views_blocks.volume_discounts, name="volume-discounts"),
    path("volume-discounts/<int:pk>/remove/", views_blocks.remove_volume_discount,
         name="remove-volume-discount"),
    # Providers
    path("my-placements/", views.my_placements, name="my-placements"),
    path("my-placements/<int:pk>/", views.my_placement, name="my-placement"),
    path("my-placements/<int:pk>/fee-change/", views.request_fee_change,
         name="request-fee-change"),
    path("my-placements/<int:pk>/agreement/v<int:version>/", views.my_agreement,
         name="my-agreement"),
]
