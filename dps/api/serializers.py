from django.contrib.contenttypes.models import ContentType
from rest_framework import serializers

from dps.models import AuditEntry, Organisation, Role, User


class AreaField(serializers.ChoiceField):
    """A local authority area in England from the vendored ONS list (dps/areas.py), by name
    (any case) or GSS code; stored and returned as ONS's name."""

    def __init__(self, **kwargs):
        from dps import areas

        super().__init__(choices=areas.NAMES, **kwargs)

    def to_internal_value(self, data):
        from dps import areas

        if data == "" and self.allow_blank:
            return ""
        area = areas.find(data) if isinstance(data, str) else None
        if area is None:
            self.fail("invalid_choice", input=data)
        return area.name

    default_error_messages = {
        "invalid_choice": "Choose a local authority area in England (an upper-tier council's "
                          "name as the ONS lists it, like \"West Sussex\", or its code, like "
                          "\"E10000032\").",
    }


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "is_lead", "area", "postcode", "companies_house_number"]
        read_only_fields = fields


class OrganisationInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=Organisation.Kind.choices)
    is_lead = serializers.BooleanField(default=False)
    area = AreaField(allow_blank=True, default="",
                     help_text="A local authority area in England (ONS name or code): it "
                               "decides in or out of an authority's area.")
    postcode = serializers.CharField(max_length=10, allow_blank=True, default="")
    companies_house_number = serializers.CharField(max_length=8, allow_blank=True, default="")


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "email", "first_name", "last_name", "organisation", "roles",
                  "approval_limit", "is_active"]
        read_only_fields = fields


class UserInputSerializer(serializers.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]+\Z", max_length=150)
    # Without a password the user is invited: a one-time link goes to `email`.
    password = serializers.CharField(write_only=True, style={"input_type": "password"},
                                     required=False, default=None)
    email = serializers.EmailField(allow_blank=True, default="")
    first_name = serializers.CharField(max_length=150, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=150, allow_blank=True, default="")
    organisation = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices),
                                  allow_empty=False)
    approval_limit = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0,
                                              required=False, allow_null=True, default=None)


class RegisterInputSerializer(serializers.Serializer):
    organisation_name = serializers.CharField(max_length=200)
    area = AreaField(help_text="The local authority area of the service (ONS name or code).")
    postcode = serializers.CharField(max_length=10)
    companies_house_number = serializers.RegexField(
        r"^(?:[0-9]{8}|[A-Za-z]{2}[0-9]{6})\Z", error_messages={
            "invalid": "A Companies House number is 8 characters, like 01234567 or SC123456."})
    username = serializers.RegexField(r"^[\w.@+-]+\Z", max_length=150)
    password = serializers.CharField(write_only=True)
    email = serializers.EmailField()


class RegisterOutputSerializer(serializers.Serializer):
    organisation = serializers.IntegerField()
    user = serializers.IntegerField()


class TokenInputSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"})
    otp = serializers.CharField(
        required=False, allow_blank=True, max_length=10,
        help_text="Staff accounts where two-factor sign-in is on: the 6-digit code from the "
                  "authenticator app (else 400 `otp_required` / `invalid_otp`).")


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField()


class AuditEntrySerializer(serializers.ModelSerializer):
    object_type = serializers.SerializerMethodField()
    actor = serializers.SerializerMethodField()

    class Meta:
        model = AuditEntry
        fields = ["id", "at", "actor", "object_type", "object_id", "object_repr", "action",
                  "from_state", "to_state", "reason", "data"]
        read_only_fields = fields

    def get_object_type(self, obj) -> str:
        ct = ContentType.objects.get_for_id(obj.content_type_id)
        return f"{ct.app_label}.{ct.model}"

    def get_actor(self, obj) -> str | None:
        return obj.actor.username if obj.actor_id else None


class HealthSerializer(serializers.Serializer):
    status = serializers.CharField()
    database = serializers.CharField()
    queue = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                   required=False)

