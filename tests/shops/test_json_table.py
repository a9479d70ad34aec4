"""JSON fields from eTelecom (a template's parameters, a call's targets) read as tables, escaped."""

from shops.common.display import json_table


def test_a_list_of_objects_is_a_table_with_a_column_per_key():
    params = [
        {"name": "customer_name", "type": "string", "require": True, "max_length": 30},
        {"name": "note", "type": "string", "require": False, "accept_null": True},
    ]
    html = str(json_table(params))
    assert html.count("<tr>") == 3 and "<th>max length</th>" in html and "<th>accept null</th>" in html
    assert "<td>customer_name</td>" in html and "<td>30</td>" in html


def test_hostile_values_are_escaped_and_odd_shapes_still_read():
    html = str(json_table([{"<b>key</b>": "<script>alert(1)</script>", "nested": {"a": [1, 2]}}, "plain"]))
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;key&lt;/b&gt;" in html
    assert "{&quot;a&quot;: [1, 2]}" in html and "<td>plain</td>" in html
    assert json_table([]) == "-" and json_table(None) == "-" and str(json_table({"a": 1})).count("<td>") == 1
