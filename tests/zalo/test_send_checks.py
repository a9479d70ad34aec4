"""`templates.check_send`: the one check of a ZNS send's phone and parameters, which the send form's fields and
the bulk upload's rows share."""

from zalo import templates
from zalo.models import ZnsTemplate

PARAMS = [
    {"name": "customer_name", "type": "string", "require": True, "min_length": 1, "max_length": 30},
    {"name": "otp", "type": "number", "require": False, "max_length": 6},
    {"name": "", "type": "string", "require": True},
]


def _template():
    return ZnsTemplate(template_id=1, params=PARAMS)


def test_a_good_send_gives_the_phone_in_one_form_and_only_the_values_given():
    phone, data, errors = templates.check_send(_template(), {"phone": "+84 912 345 678", "customer_name": " An "})
    assert (phone, data, errors) == ("0912345678", {"customer_name": "An"}, {})


def test_each_bad_value_is_an_error_of_its_name_and_a_nameless_parameter_is_never_asked_for():
    hostile = {"phone": "0912345678<script>", "customer_name": "X" * 31, "otp": "12ab", "": "anything"}
    phone, data, errors = templates.check_send(_template(), hostile)
    assert list(errors) == ["phone", "customer_name", "otp"] and data == {}
    assert "Vietnamese phone number" in errors["phone"][0] and "30" in errors["customer_name"][0]


def test_a_missing_phone_or_required_value_reads_as_the_form_reads_it():
    _, _, errors = templates.check_send(_template(), {"phone": None})
    assert errors["phone"] == errors["customer_name"] == ["This field is required."]


def test_the_send_form_takes_its_parameter_fields_from_the_same_rules():
    fields = templates.param_fields(_template())
    assert list(fields) == ["customer_name", "otp"]
    assert fields["customer_name"].required and not fields["otp"].required and fields["otp"].max_length == 6
