"""API tokens that expire: a leaked token stops working by itself (API_TOKEN_TTL_HOURS)."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


def token_expired(token, now=None):
    now = now or timezone.now()
    return token.created + timedelta(hours=settings.API_TOKEN_TTL_HOURS) <= now


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            raise exceptions.AuthenticationFailed("The token has expired: ask for a new one.")
        return user, token
