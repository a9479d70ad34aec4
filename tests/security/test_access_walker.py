"""The access walker: as Support and as Manager of shop A, request every URL the project routes, filled with the
objects of shop B (every change, delete, history and custom object page, every changelist and add page with B's ids
in the query, every action posted with B's rows, every autocomplete, export, report and callback), and prove that
nothing of B is shown and nothing anywhere is changed.

URLs come from the URL resolver and objects from the admin registry and the models' `shop_lookup`, so a new view or
model is walked without editing this file; a route whose parameters the walker cannot fill fails
`test_every_routed_url_is_walked` (teach `fill` the new parameter)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.db.models import Value
from django.db.models.functions import Concat
from django.forms.models import model_to_dict
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone

from shops.crypto import EncryptedTextField
from shops.models import Shop
from shops.roles import MANAGER, SUPPORT

from ..shops.factories import FACTORIES, make_shop

MARK_A, MARK_B = "QW71", "ZX93"  # in each shop's name: B's must never appear, A's proves pages are read
CHANGED = "walker-changed"
# Parameters of query strings and forms that name an object: every one is given shop B's.
SHOP_OWNED = [model for model in apps.get_models() if hasattr(model, "shop_lookup")]
PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>|\(\?P<(?P<regex_name>[^>]+)>[^)]*\)")
SKIPPED_TABLES = {"django_session"}  # the connect pages keep their nonces in the session


def routes(patterns=None, prefix: str = ""):
    """(full route, URL name) of every pattern the project routes, joined as `resolve(...).route` joins them."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + (str(pattern.pattern).removeprefix("^") if prefix else str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.name


def route_model(route: str):
    """The model an admin route belongs to (`admin/<app>/<model>/...`), if any."""
    match = re.match(r"admin/(\w+)/(\w+)/", route)
    if match is None:
        return None
    try:
        return apps.get_model(match[1], match[2])
    except LookupError:
        return None


@dataclass
class World:
    """Shop A (the user's), shop B (not theirs) with one row of every shop-owned model each."""

    shop_a: Shop
    shop_b: Shop
    rows_a: dict
    rows_b: dict
    requests: int = 0
    walked: set = field(default_factory=set)

    def pk_of(self, model) -> str:
        """B's row of a shop-owned model; any row of another (users, groups, django-q's tables)."""
        if model in self.rows_b:
            return str(self.rows_b[model].pk)
        row = model._default_manager.order_by("pk").first()
        return str(row.pk) if row is not None else "999999"

    def ids_of_b(self) -> dict:
        """Every name a query string or form may use for an object, given B's (`shop`, `oa`, `template`, ...)."""
        values = {model._meta.model_name: str(row.pk) for model, row in self.rows_b.items()}
        for model, row in self.rows_b.items():
            for field_ in model._meta.concrete_fields:
                if isinstance(field_, models.ForeignKey) and getattr(row, field_.attname) is not None:
                    values.setdefault(field_.name, str(getattr(row, field_.attname)))
                    values[f"{field_.name}__id__exact"] = str(getattr(row, field_.attname))
        values.update(shop=str(self.shop_b.pk), shop_id=self.shop_b.etelecom_id)
        values["oa_id"] = self.rows_b[apps.get_model("zalo", "OfficialAccount")].oa_id
        return values


def fill(route: str, world: World) -> str:
    """`route` with its parameters filled for shop B. An unknown parameter fails: teach it here."""
    model = route_model(route)

    def value(match):
        name = match["name"] or match["regex_name"]
        if name == "object_id" and model is not None:
            return world.pk_of(model)
        if name == "object_id":  # view_on_site: /r/<content type>/<object>/ of a row of B
            return str(world.rows_b[apps.get_model("zalo", "Consent")].pk)
        if name == "template_id":  # a bulk upload's sample file: B's template
            return str(world.rows_b[apps.get_model("zalo", "ZnsTemplate")].pk)
        if name == "content_type_id":
            return str(ContentType.objects.get_for_model(apps.get_model("zalo", "Consent")).pk)
        if name == "id":  # a user's password page: B's staff member
            return str(world.rows_b[apps.get_model("shops", "ShopMembership")].user_id)
        if name == "app_label":
            return "shops"
        if name == "url":  # the admin's catch-all: an old-style address of a row of B
            return f"shops/shop/{world.shop_b.pk}/change"
        if name == "pk":  # an authenticator's secret pages (django-otp's admin): B's staff member's
            return str(world.rows_b[apps.get_model("shops", "ShopMembership")].user_id)
        if name == "secret":  # a webhook address: an outsider's guess
            return secrets.token_urlsafe(32)
        raise AssertionError(f"the access walker cannot fill <{name}> in {route!r}: teach fill() what it is")

    return "/" + PARAMETER.sub(value, route).replace("^", "").replace("$", "")


def snapshot(world: World):
    """Every table's row count, and every row of shop B in full. Rows of no shop are left out of the counts: a
    Support user may start connecting a new shop (`Shop/AuthorizeShop`, audited with no shop)."""
    counts = {
        model._meta.label: (
            model._default_manager.filter(**{f"{model.shop_lookup}__isnull": False})
            if model in SHOP_OWNED
            else model._default_manager
        ).count()
        for model in apps.get_models()
        if model._meta.db_table not in SKIPPED_TABLES
    }
    rows = {
        model._meta.label: sorted(
            model._default_manager.filter(**{model.shop_lookup: world.shop_b.pk}).values(), key=lambda r: r["id"]
        )
        for model in SHOP_OWNED
    }
    return counts, rows


def form_data_for(row) -> dict:
    """A change form's data for `row`, with every text field changed: posted as an attacker would."""
    data = {}
    for name, value in model_to_dict(row).items():
        field_ = row._meta.get_field(name)
        if isinstance(field_, models.CharField | models.TextField) and not field_.choices:
            data[name] = CHANGED
        elif isinstance(value, bool):
            data[name] = "on" if not value else ""
        elif value is None or isinstance(value, dict | list):
            data[name] = ""
        else:
            data[name] = str(value)
    return {**data, "_save": "Save"}


def attack_form(world: World) -> dict:
    """One form posted to every page that takes one: B's ids under every name, and plausible values."""
    return {
        **world.ids_of_b(),
        "phone": "0912345678",
        "email": "walker@example.vn",
        "name": CHANGED,
        "call_type": "audio",
        "reason_code": "update_order",
        "template_id": "410001",
        "type": "text",
        "app_id": "123456",
        "app_secret": "walker-secret",
        "callback_url": "https://console.example.vn/cb/",
        "extension_number": "301",
        "hotline_number": "02838123456",
        "full_name": CHANGED,
        "password": "walker-password-1",
        "post": "yes",
        "file": SimpleUploadedFile("walk.csv", b"phone,customer_name,order_code\n0912345678,An,DH-1\n"),
    }


class Walker:
    def __init__(self, client, world: World):
        self.client, self.world = client, world

    def request(self, method: str, path: str, data=None):
        """One request; it must not fail (5xx), show B's marker, or list a row of B."""
        response = getattr(self.client, method)(path, data or {})
        self.world.requests += 1
        self.world.walked.add(resolve(path.split("?")[0]).route)
        # The readiness probe answers 503 while no job cluster runs, as in this test.
        unready = path.split("?")[0] == "/readyz" and response.status_code == 503
        assert response.status_code < 500 or unready, (method, path, response.status_code)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8", "replace")
        assert MARK_B not in text, f"{method.upper()} {path} shows shop B"
        context = getattr(response, "context", None)
        if context is not None and "cl" in context:
            shown = {obj.pk for obj in context["cl"].result_list}
            model = context["cl"].model
            if model in self.world.rows_b:
                assert self.world.rows_b[model].pk not in shown, f"{path} lists B's {model._meta.label}"
        return response, text

    def page(self, route: str, name: str | None) -> None:
        path = fill(route, self.world)
        model = route_model(route)
        if name == "logout":
            return  # walked last: it ends the session
        query = "&".join(f"{key}={value}" for key, value in self.world.ids_of_b().items())
        response, _ = self.request("get", path)
        if "<" not in route and "(?P" not in route:
            response, _ = self.request("get", f"{path}?{query}&kind=consent&code=1&state=1")
            self.exports(path, response)
            if model is not None and name and name.endswith("_changelist"):
                self.filters(path, model)
                self.actions(path, model)
        if model in self.world.rows_b and "object_id" in route:
            # Refused, or sent elsewhere (a redirect's target is a route walked in its turn): never B's page.
            assert response.status_code in (302, 403, 404, 405), f"GET {path} answers {response.status_code}"
        if name and name.endswith("_change") and model in self.world.rows_b:
            self.request("post", path, form_data_for(self.world.rows_b[model]))
        else:
            self.request("post", f"{path}?kind=consent", attack_form(self.world))

    def exports(self, path: str, response) -> None:
        """A report's tables download as CSV: each is walked with B's ids too."""
        context = getattr(response, "context", None)
        if context is not None and "tables" in context:
            today = timezone.localdate()
            for table in context["tables"]:
                query = f"shop={self.world.shop_b.pk}&start={today - timedelta(days=30)}&end={today}"
                self.request("get", f"{path}?{query}&export={table['name']}")

    def filters(self, path: str, model) -> None:
        """Each list filter's parameter given B's id, one at a time (an unknown one is the admin's `?e=1`)."""
        ids = self.world.ids_of_b()
        model_admin = admin.site._registry[model]
        for list_filter in model_admin.list_filter:
            name = getattr(list_filter, "parameter_name", None) or f"{list_filter}__id__exact"
            for key in (name, f"{name}__exact"):
                if key in ids or name in ids:
                    self.request("get", f"{path}?{key}={ids.get(key, ids.get(name))}")
        self.request("get", f"{path}?q=Cửa hàng B")

    def actions(self, path: str, model) -> None:
        """Every action of the admin, whether the user may run it or not, posted with B's row."""
        model_admin = admin.site._registry[model]
        pk = self.world.pk_of(model)
        for _func, action, _description in model_admin._get_base_actions():
            self.request("post", path, {"action": action, "_selected_action": [pk], "post": "yes"})

    def autocompletes(self, path: str) -> None:
        """Every autocomplete a form could ask for: each foreign key to an admin that searches."""
        for model in admin.site._registry:
            for field_ in model._meta.get_fields():
                if not (field_.many_to_one or field_.many_to_many) or not field_.concrete:
                    continue
                target = admin.site._registry.get(field_.related_model)
                if target is None or not target.search_fields:
                    continue
                for term in ("", "Cửa hàng B"):
                    query = {
                        "app_label": model._meta.app_label,
                        "model_name": model._meta.model_name,
                        "field_name": field_.name,
                        "term": term,
                    }
                    response, _text = self.request("get", path, query)
                    if response.status_code == 200:
                        ids = {item["id"] for item in response.json()["results"]}
                        related = self.world.rows_b.get(field_.related_model)
                        assert related is None or str(related.pk) not in ids, (model, field_.name)


def mark(shop: Shop, marker: str) -> None:
    """Every free-text column of every row of `shop` ends with `marker`, so a page or file that shows any of them
    shows the marker."""
    for model in SHOP_OWNED:
        texts = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField)
            and not isinstance(f, EncryptedTextField)
            and not f.choices
            and (f.max_length or 1000) > 40
        ]
        rows = model._default_manager.filter(**{model.shop_lookup: shop.pk})
        for f in texts:
            rows.update(**{f.attname: Concat(f.attname, Value(f"-{marker}"))})


@pytest.fixture
def world(db, console_on_sandbox):
    shop_a, shop_b = make_shop(f"Cửa hàng A-{MARK_A}"), make_shop(f"Cửa hàng B-{MARK_B}")
    rows_a = {model: FACTORIES[model](shop_a) for model in FACTORIES}
    rows_b = {model: FACTORIES[model](shop_b) for model in FACTORIES}
    mark(shop_a, MARK_A)
    mark(shop_b, MARK_B)
    rows_b = {model: model._default_manager.get(pk=row.pk) for model, row in rows_b.items()}
    return World(shop_a, shop_b, rows_a, rows_b)


def walk(client, world: World) -> Walker:
    walker = Walker(client, world)
    before = snapshot(world)
    for route, name in routes():
        if name == "autocomplete":
            walker.autocompletes(fill(route, world))
        walker.page(route, name)
    logout = next(route for route, name in routes() if name == "logout")
    walker.request("post", fill(logout, world))
    after = snapshot(world)
    assert after[0] == before[0], "a table changed"
    assert after[1] == before[1], "a row of shop B changed"
    assert {route for route, _name in routes()} - world.walked == set(), "routes the walker did not request"
    return walker


@pytest.mark.parametrize("role", [SUPPORT, MANAGER])
def test_a_user_of_shop_a_reaches_nothing_of_shop_b_through_any_url(role, world, make_user, client, capsys):
    user = make_user(f"walker-{role.lower()}", role, shops=[world.shop_a])
    client.force_login(user)
    shops_page = client.get(fill("admin/shops/shop/", world))
    assert MARK_A in shops_page.content.decode()  # the user reads their own shop: a missing B means something
    walk(client, world)
    with capsys.disabled():
        print(f"\naccess walker ({role}): {world.requests} requests, {len(world.walked)} routes")
    assert world.requests > 300


def test_the_walker_can_fill_every_routed_url(world):
    """A new route with a parameter the walker cannot fill fails here (and the walk itself fails on any route it
    did not request)."""
    for route, _name in routes():
        path = fill(route, world)
        assert resolve(path).route == route, (route, path)


def test_the_walkers_users_are_who_they_should_be(world, make_user):
    """The walk means something only if the users are plain staff of shop A."""
    for role in (SUPPORT, MANAGER):
        user = make_user(f"check-{role.lower()}", role, shops=[world.shop_a])
        assert not user.is_superuser and user.is_staff
        assert list(user.shop_memberships.values_list("shop", flat=True)) == [world.shop_a.pk]
    assert get_user_model().objects.filter(shop_memberships__shop=world.shop_b).exists()
