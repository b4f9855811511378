from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals"

    def ready(self):
        from django.db.models.signals import post_init

        from dps.privacy import mark_child_identity
        from referrals.models import Child

        # Whatever loads a child's identity during a request, its response is not stored
        # (dps/privacy.py).
        post_init.connect(mark_child_identity, sender=Child, weak=False,
                          dispatch_uid="child-identity-no-store")
