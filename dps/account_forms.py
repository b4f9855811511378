"""Forms of the signed-out doors: "forgotten your password?" and provider sign-up. Shape only;
the rules live in dps.services (register_provider) and Django's auth (the reset token)."""

from django import forms

from dps.forms import AreaField, ChoosePasswordForm, GovukForm

EMAIL_MESSAGES = {
    "required": "Enter your email address",
    "invalid": "Enter an email address in the correct format, like name@example.com",
}


class ForgottenPasswordForm(GovukForm):
    email = forms.EmailField(
        label="Email address", max_length=254, error_messages=EMAIL_MESSAGES,
        help_text="The email address of your Placements DPS account.")


class ResetPasswordForm(ChoosePasswordForm):
    """Django's reset-confirm view hands it the user; the labels are the invitation's."""


class ProviderSignUpForm(GovukForm):
    """The fields of POST /api/v1/providers/register/, with the same shapes."""

    organisation_name = forms.CharField(
        label="Organisation name", max_length=200,
        error_messages={"required": "Enter your organisation's name"})
    companies_house_number = forms.RegexField(
        label="Companies House number", regex=r"^(?:[0-9]{8}|[A-Za-z]{2}[0-9]{6})\Z",
        help_text="8 characters, like 01234567 or SC123456.", max_length=8,
        error_messages={
            "required": "Enter your Companies House number",
            "invalid": "A Companies House number is 8 characters, like 01234567 or SC123456."})
    area = AreaField(
        label="Local authority area of your service",
        help_text="The council area your home, school or service is in.",
        error_messages={"required": "Choose the local authority area of your service",
                        "invalid_choice": "Choose the area from the list"})
    postcode = forms.CharField(
        label="Postcode", max_length=10, error_messages={"required": "Enter a postcode"})
    email = forms.EmailField(label="Email address", max_length=254, error_messages={
        "required": "Enter an email address",
        "invalid": "Enter an email address in the correct format, like name@example.com"})
    username = forms.RegexField(
        label="Username", regex=r"^[\w.@+-]+\Z", max_length=150,
        help_text="You sign in with this. Letters, digits and . @ + - _ only.",
        error_messages={"required": "Enter a username",
                        "invalid": "A username may hold letters, digits and . @ + - _ only"})
    password = forms.CharField(
        label="Password", strip=False, max_length=128,
        help_text="At least 10 characters; not a common password or only numbers.",
        error_messages={"required": "Enter a password"})
