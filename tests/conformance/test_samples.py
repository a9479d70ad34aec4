"""Every documented request and response sample is a fixture (samples/*.json) with its source page and section;
where the docs contradict themselves the fixture says which reading was chosen."""

import json
from collections import Counter

import pytest

from etelecom import sms
from etelecom.sandbox.api import ROUTES

from .conftest import OTHER_OWNERS, SAMPLE_FILES, SAMPLES, ids, sample_id

KINDS = ("request", "response", "error")


def test_every_sample_has_a_unique_id_a_kind_a_source_and_a_json_object_body():
    assert SAMPLES, "no samples loaded"
    assert not [name for name, count in Counter(ids(SAMPLES)).items() if count > 1]
    for sample in SAMPLES:
        assert sample["kind"] in KINDS, sample["id"]
        assert sample["source"].startswith(("seeds/", "etelecom-api/")), sample["id"]
        assert sample["section"], sample["id"]
        assert isinstance(sample["body"], dict), sample["id"]
        assert sample.get("owner") in (None, *OTHER_OWNERS), sample["id"]


def test_each_file_is_one_service_and_its_samples_name_a_method():
    for path in SAMPLE_FILES:
        data = json.loads(path.read_text(encoding="utf-8"))
        assert set(data) == {"service", "samples"}, path.name
        for sample in data["samples"]:
            assert sample["kind"] == "error" or "/" in sample["method"], sample["id"]


def test_what_is_left_out_says_why():
    """Every documented method is implemented now (issue 19 added the last ones); a sample marked
    `"implemented": false` later must say why."""
    for sample in SAMPLES:
        if sample.get("implemented") is False:
            assert len(sample["why"]) > 20, sample["id"]


@pytest.mark.parametrize(
    "sample", [s for s in SAMPLES if s["kind"] == "request" and s.get("implemented") is not False], ids=sample_id
)
def test_every_documented_request_names_a_method_the_sandbox_serves(sample):
    assert sample["method"] in (*ROUTES, *sms.METHODS)


def test_the_samples_cover_every_page_of_the_shared_docs_that_has_json():
    sources = {s["source"] for s in SAMPLES}
    assert sources >= {
        "seeds/000_0413d3a8e0054019.txt",
        "seeds/001_11617e3e6f2ab8b5.txt",
        "seeds/002_949272b5343381c9.txt",
        "seeds/003_b054c2efffd54fbe.txt",
        "seeds/004_54cf11215d4fbd88.txt",
        "etelecom-api/zalo-oa.md",
        "etelecom-api/zalo-zns.md",
        "etelecom-api/pbx.md",
        "etelecom-api/sms.md",
    }
