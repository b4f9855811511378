from rest_framework import status
from rest_framework.response import Response


class ServiceActionMixin:
    """Helpers for view sets whose writes go through service functions."""

    def validated(self, serializer_class, data=None, **kwargs):
        serializer = serializer_class(
            data=self.request.data if data is None else data,
            context=self.get_serializer_context(),
            **kwargs,
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def respond(self, instance, serializer_class=None, status_code=status.HTTP_200_OK):
        serializer_class = serializer_class or self.get_serializer_class()
        return Response(
            serializer_class(instance, context=self.get_serializer_context()).data,
            status=status_code,
        )
