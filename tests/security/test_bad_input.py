"""Bad input gets a 4xx answer that says what is wrong, never a 500."""

from __future__ import annotations

import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from fengqiao.audit.models import AuditEvent
from fengqiao.disputes.models import Case, CaseEvent
from fengqiao.intake.models import Report
from fengqiao.intake.services import submit_report

DEEP_ARRAYS = "[" * 5000 + "]" * 5000
DEEP_OBJECTS = '{"a":' * 5000 + "1" + "}" * 5000


def _case() -> Case:
    return submit_report(
        channel="web",
        kind="dispute",
        category="neighbourhood",
        text="邻居装修噪音，协商未果",
        lon=120.005,
        lat=30.005,
        reporter_name="王某",
    ).report.case


def _api(user) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    return client


def _counts():
    return (
        Report.objects.count(),
        Case.objects.count(),
        CaseEvent.objects.count(),
        (AuditEvent.objects.count()),
    )


# --- JSON nested too deep --------------------------------------------------------------


@pytest.mark.parametrize("body", [DEEP_ARRAYS, DEEP_OBJECTS], ids=["arrays", "objects"])
@pytest.mark.parametrize("endpoint", ["reports", "cases", "transitions"])
def test_a_json_body_nested_5000_deep_is_refused_with_400(world, body, endpoint):
    case = _case()
    url = {
        "reports": reverse("api:report-list"),
        "cases": reverse("api:case-list"),
        "transitions": reverse("api:case-transitions", args=[case.reference]),
    }[endpoint]
    before = _counts()
    response = _api(world.officer_a).post(url, body, content_type="application/json")
    assert response.status_code == 400
    assert "嵌套层数过多" in response.json()["detail"]
    assert _counts() == before


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_reads_forms_so_a_deep_json_body_is_a_4xx(client, world, fmt):
    response = client.post(
        f"/open311/v2/requests.{fmt}", DEEP_ARRAYS, content_type="application/json"
    )
    assert 400 <= response.status_code < 500
    assert not Report.objects.exists()


def test_brackets_inside_strings_do_not_count_as_nesting(world):
    text = "邻居装修噪音" + "[" * 100 + "{" * 100
    response = _api(world.officer_a).post(
        reverse("api:report-list"),
        {"channel": "walk_in", "kind": "dispute", "text": text, "lon": 120.005, "lat": 30.005},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["text"] == text


def test_malformed_json_is_a_400_with_the_decoders_words(world):
    response = _api(world.officer_a).post(
        reverse("api:report-list"), '{"text": "噪音"', content_type="application/json"
    )
    assert response.status_code == 400 and "JSON" in response.json()["detail"]


# --- photos whose header declares absurd dimensions ------------------------------------


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def _jpeg(width: int, height: int) -> bytes:
    exif = b"Exif\x00\x00" + b"\xff\xc0\x00\x11\x08\x00\x10\x00\x10" + b"\x00" * 40  # a thumbnail
    app1 = b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif
    sof = b"\xff\xc2\x00\x11\x08" + struct.pack(">HH", height, width) + b"\x03" + b"\x00" * 9
    return b"\xff\xd8" + app1 + b"\xff\xff" + sof + b"\xff\xda\x00\x02\xff\xd9"


def _gif(screen: tuple[int, int], frame: tuple[int, int]) -> bytes:
    header = b"GIF89a" + struct.pack("<HHBBB", *screen, 0, 0, 0)
    image = b"\x2c" + struct.pack("<HHHHB", 0, 0, *frame, 0) + b"\x02\x01\x00\x00"
    return header + image + b"\x3b"


def _report_with(photo: bytes, name: str):
    return submit_report(
        channel="web",
        kind="hazard",
        category="public_safety_hazard",
        text="3号楼楼道里有电动车飞线充电",
        lon=120.005,
        lat=30.005,
        photos=[SimpleUploadedFile(name, photo)],
    )


@pytest.mark.parametrize(
    "name, photo",
    [
        ("bomb.png", _png(30000, 30000)),
        ("wide.png", _png(20000, 10)),
        ("bomb.jpg", _jpeg(9000, 9000)),
        ("frame.gif", _gif((1, 1), (60000, 60000))),
    ],
)
def test_a_photo_declaring_absurd_dimensions_is_refused_on_the_photos_field(world, name, photo):
    with pytest.raises(ValidationError) as error:
        _report_with(photo, name)
    assert "尺寸过大" in error.value.message_dict["photos"][0]
    assert name in error.value.message_dict["photos"][0]
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    "name, photo",
    [
        ("p.png", _png(4000, 3000)),
        ("p.jpg", _jpeg(8160, 6120)),
        ("p.gif", _gif((640, 480), (640, 480))),
    ],
)
def test_a_phone_sized_photo_is_taken(world, name, photo):
    report = _report_with(photo, name).report
    assert report.photos.count() == 1


def test_the_report_page_shows_the_dimension_error_next_to_the_photos(client, world):
    bomb = SimpleUploadedFile("bomb.png", _png(30000, 30000), content_type="image/png")
    response = client.post(
        reverse("intake:report"),
        {
            "kind": "hazard",
            "category": "public_safety_hazard",
            "text": "3号楼楼道里有电动车飞线充电",
            "address": "甲村二网格村口小卖部旁",
            "photos": [bomb],
        },
    )
    assert response.status_code == 200
    assert "30000×30000" in response.content.decode()
    assert not Report.objects.exists()


# --- request bodies over the limit -----------------------------------------------------


class Unreadable:
    """A request body that fails the test if anyone reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def test_a_body_declared_larger_than_the_limit_is_refused_unread(client, world):
    response = client.post(
        reverse("intake:report"),
        "x",
        content_type="multipart/form-data; boundary=b",
        CONTENT_LENGTH=str(10 * 1024**3),
        **{"wsgi.input": Unreadable()},
    )
    assert response.status_code == 413
    assert "提交的内容太大" in response.content.decode()
    assert not Report.objects.exists()


def test_an_upload_over_the_limit_answers_413_in_each_interfaces_format(client, world, settings):
    settings.MAX_REQUEST_BYTES = 4096
    photo = SimpleUploadedFile("p.png", _png(10, 10) + b"\x00" * 8192, content_type="image/png")
    page = client.post(reverse("intake:report"), {"text": "楼道堆物", "photos": [photo]})
    assert page.status_code == 413 and "4.0" in page.content.decode()
    api = _api(world.officer_a).post(
        reverse("api:report-list"), {"text": "x" * 5000}, format="json"
    )
    assert api.status_code == 413 and "提交的内容太大" in api.json()["detail"]
    open311 = client.post("/open311/v2/requests.json", {"description": "x" * 5000})
    assert open311.status_code == 413 and open311.json()[0]["code"] == 413
    assert not Report.objects.exists()


def test_a_body_within_the_limit_is_taken(client, world, settings):
    settings.MAX_REQUEST_BYTES = 64 * 1024
    photo = SimpleUploadedFile("p.png", _png(10, 10), content_type="image/png")
    client.post(
        reverse("intake:report"),
        {
            "kind": "hazard",
            "category": "public_safety_hazard",
            "text": "3号楼楼道里有电动车飞线充电",
            "address": "甲村二网格村口小卖部旁",
            "photos": [photo],
        },
    )
    assert Report.objects.get().photos.count() == 1


# --- the schema states the rules the server enforces -----------------------------------


@pytest.mark.parametrize(
    "url, field",
    [("/api/v1/reports/?status=bogus", "status"), ("/api/v1/cases/?risk=purple", "risk")],
)
def test_an_unknown_enum_filter_value_is_400_naming_the_parameter(world, url, field):
    response = _api(world.officer_a).get(url)
    assert response.status_code == 400
    assert list(response.json()) == [field]


@pytest.mark.parametrize("page", ["", "abc", "0", "-1", "1.5", "１"])
@pytest.mark.parametrize("listing", ["api:report-list", "api:case-list", "api:region-list"])
def test_a_page_that_is_not_a_positive_integer_is_400_naming_page(world, listing, page):
    response = _api(world.officer_a).get(reverse(listing), {"page": page})
    assert response.status_code == 400
    assert response.json() == {"page": ["页码应为从 1 开始的整数"]}


def test_page_one_is_the_first_page_and_a_page_past_the_end_is_404(world):
    _case()
    client = _api(world.officer_a)
    assert client.get(reverse("api:case-list"), {"page": "1"}).json()["count"] == 1
    assert client.get(reverse("api:case-list"), {"page": "last"}).status_code == 200
    assert client.get(reverse("api:case-list"), {"page": "2"}).status_code == 404


def _schema() -> dict:
    generator = SchemaGenerator()
    return generator.get_schema(request=None, public=True)


def test_the_schema_states_the_lengths_and_page_numbers_the_server_enforces():
    schema = _schema()
    components = schema["components"]["schemas"]
    text = components["ReportInput"]["properties"]["text"]
    assert (text["minLength"], text["maxLength"]) == (5, 5000)
    for field in ("grid_code", "title", "narrative"):
        assert components["CaseInput"]["properties"][field]["minLength"] == 1
    assert components["CasePartyInput"]["properties"]["name"]["minLength"] == 1
    page = next(
        p for p in schema["paths"]["/api/v1/reports/"]["get"]["parameters"] if p["name"] == "page"
    )
    assert page["schema"] == {"type": "integer", "minimum": 1}


@pytest.mark.parametrize("text", [" 飞线 ", "飞" * 5001], ids=["short", "long"])
def test_a_report_text_outside_the_schemas_lengths_is_400_on_text(world, text):
    response = _api(world.officer_a).post(
        reverse("api:report-list"),
        {"channel": "web", "kind": "hazard", "text": text, "lon": 120.005, "lat": 30.005},
        format="json",
    )
    assert response.status_code == 400 and list(response.json()) == ["text"]
    assert not Report.objects.exists()
