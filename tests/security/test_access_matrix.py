"""S1 — roles × URLs × own/other-object matrix (reliability-perf.md §3.4, §7.2).

Every URL pattern of the project must have a declared policy in `POLICIES` (or fall under one of
the `PREFIX_POLICIES` of third-party URLconfs): `test_every_url_has_a_declared_policy` fails as soon
as someone adds a route without saying who may reach it. Each policy is then checked against the
personas below, on representative objects: one owned by the persona's tenant, one owned by
another tenant. Another tenant's object is a 404 (its existence does not leak), never a 2xx.
"""

import re
from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.core.signals import request_finished
from django.db import close_old_connections
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import Notification, SandboxEmail
from invoices.models import Flux, InvoiceDocument
from support.help import HELP_PAGES
from support.models import Sollicitation
from tests.factories import (
    EngagementJuridiqueFactory,
    MembershipFactory,
    ServiceFactory,
    StructureFactory,
    UserFactory,
)
from tests.invoices.factories import make_invoice
from tests.invoices.test_received_support import received

pytestmark = pytest.mark.django_db

# --- the policy table ------------------------------------------------------------------------
# public        anyone, no login
# login         any signed-in user (anonymous → login page); no object in the URL
# supplier      a member of the supplier structure in the URL (own: not 404; other tenant: 404)
# principal     like supplier, but the gestionnaire principal of that structure
# staff         an agent of the public structure in the URL (own: not 404; other entity: 404)
# staff-principal   the gestionnaire principal of the public structure in the URL
# owner         an object owned by the signed-in user (own notification, own sollicitation)
# superuser     superusers only (others: 404 or 403 or login)
# admin         the Django admin (non-staff users are sent to the admin login)
# api-piste     PISTE API: OAuth2 token + cpro-account header (anonymous: 401/403)
# api-sandbox   integrator/sandbox JSON API: token or superuser (anonymous: 401/403)
# allauth       django-allauth account pages (public or login, allauth's own rules)
# api-docs      OpenAPI schema and Swagger UI: public by design (SERVE_PERMISSIONS AllowAny)

POLICIES: dict[str, str] = {
    "": "public",
    # accounts
    "mon-compte/": "login",
    "mon-compte/conditions/": "login",
    "mon-compte/notifications/": "login",
    "mon-compte/notifications/<int:pk>/": "owner:notification",
    "bac-a-sable/boite-mail/": "superuser",
    "bac-a-sable/boite-mail/<int:pk>/": "superuser:sandbox_email",
    # structures
    "structures/": "login",
    "structures/creer/": "login",
    "structures/creer/repertoire/": "login",
    "structures/rattachement/": "login",
    "structures/invitations/": "login",
    "structures/invitations/<int:membership_pk>/accepter/": "owner:invitation",
    "structures/invitations/<int:membership_pk>/refuser/": "owner:invitation",
    "structures/<int:pk>/": "supplier:supplier",
    "structures/<int:pk>/demandes/valider/": "principal:supplier",
    "structures/<int:pk>/demandes/refuser/": "principal:supplier",
    "structures/<int:pk>/membres/ajouter/": "principal:supplier",
    "structures/<int:pk>/membres/<int:membership_pk>/detacher/": "principal:supplier",
    "structures/<int:pk>/transfert/": "principal:supplier",
    "structures/<int:pk>/quitter/": "supplier:supplier",
    "structures/<int:pk>/coordonnees-bancaires/": "principal:supplier",
    "structures/<int:pk>/coordonnees-bancaires/<int:account_pk>/defaut/": "principal:supplier",
    "structures/<int:pk>/coordonnees-bancaires/<int:account_pk>/desactiver/": "principal:supplier",
    "structures/<int:pk>/parametres/facturation/": "staff-principal:public",
    "structures/<int:pk>/parametres/services/": "staff-principal:public",
    "structures/<int:pk>/parametres/services/creer/": "staff-principal:public",
    "structures/<int:pk>/parametres/services/<int:service_pk>/": "staff-principal:public",
    "structures/<int:pk>/parametres/services/<int:service_pk>/desactiver/": (
        "staff-principal:public"
    ),
    "structures/<int:pk>/parametres/engagements/": "staff-principal:public",
    "structures/<int:pk>/parametres/engagements/creer/": "staff-principal:public",
    "structures/<int:pk>/parametres/engagements/importer/": "staff-principal:public",
    "structures/<int:pk>/parametres/engagements/modele.csv": "staff-principal:public",
    "structures/<int:pk>/parametres/engagements/<int:engagement_pk>/": "staff-principal:public",
    "structures/<int:pk>/parametres/engagements/<int:engagement_pk>/supprimer/": (
        "staff-principal:public"
    ),
    "structures/<int:pk>/parametres/agents/": "staff-principal:public",
    "structures/<int:pk>/parametres/agents/<int:membership_pk>/": "staff-principal:public",
    # directory of public structures: public data, open without an account (as the real one)
    "annuaire/": "public",
    "annuaire/export.csv": "public",
    "annuaire/<int:pk>/": "public",
    # back-office (received invoices)
    "factures-recues/": "login",
    "factures-recues/export.csv": "login",
    "factures-recues/archive.zip": "login",
    "factures-recues/tableau-de-bord/": "login",
    "factures-recues/tableau-de-bord/<int:structure_id>/": "staff:public",
    "factures-recues/<int:pk>/": "staff:received",
    "factures-recues/<int:pk>/traiter/<slug:action>/": "staff:received",
    # issued invoices
    "factures/": "login",
    "factures/export.csv": "login",
    "factures/saisie/": "login",
    "factures/saisie/destinataire/": "login",
    "factures/<int:pk>/": "supplier:invoice",
    "factures/<int:pk>/modifier/": "supplier:draft",
    "factures/<int:pk>/recycler/": "supplier:invoice",
    "factures/<int:pk>/completer/": "supplier:invoice",
    "factures/<int:pk>/rejet/acquitter/": "supplier:invoice",
    "factures/<int:pk>/rejet/traiter/": "supplier:invoice",
    "factures/<int:pk>/suspension/acquitter/": "supplier:invoice",
    "factures/<int:pk>/avoir/": "supplier:invoice",
    "factures/depot-pdf/": "login",
    "factures/<int:pk>/depot-pdf/": "supplier:draft",
    "factures/<int:pk>/pieces-jointes/": "supplier:draft",
    "factures/documents/<int:pk>/": "supplier:document",
    # flux
    "flux/": "login",
    "flux/deposer/": "login",
    "flux/<int:pk>/": "supplier:flux",
    "flux/<int:pk>/fichier": "supplier:flux",
    "flux/<int:pk>/compte-rendu.json": "supplier:flux",
    "flux/factures/<int:pk>/cii.xml": "supplier:invoice",
    "flux/factures/<int:pk>/ubl.xml": "supplier:invoice",
    # API
    "api/oauth/token": "public",
    "api/schema/": "api-docs",
    "api/docs/": "api-docs",
    # integrator portal (raccordement) and sandbox
    "integrateur/": "login",
    "integrateur/pannes/ajouter": "login",
    "integrateur/pannes/<int:pk>/basculer": "login-object",
    "integrateur/pannes/<int:pk>/supprimer": "login-object",
    "integrateur/journal/export": "login",
    "raccordement/": "login",
    "raccordement/<int:pk>/": "supplier:supplier",
    "raccordement/<int:pk>/applications/": "principal:supplier",
    "raccordement/<int:pk>/applications/<int:app_pk>/revoquer/": "principal:supplier",
    "raccordement/<int:pk>/comptes-techniques/": "principal:supplier",
    "raccordement/<int:pk>/comptes-techniques/<int:account_pk>/desactiver/": "principal:supplier",
    "bac-a-sable/": "login",
    "bac-a-sable/horloge/avancer/": "superuser",
    "bac-a-sable/horloge/figer/": "superuser",
    "bac-a-sable/horloge/reinitialiser/": "superuser",
    "bac-a-sable/reinitialiser/": "superuser",
    "bac-a-sable/robots/<int:structure_id>/": "staff:public",
    # support
    "sollicitations/": "login",
    "sollicitations/recues/": "login",
    "sollicitations/support/": "superuser",
    "sollicitations/nouvelle/": "login",
    "sollicitations/<int:pk>/": "owner:sollicitation",
    "sollicitations/<int:pk>/message/": "owner:sollicitation",
    "sollicitations/<int:pk>/prise-en-charge/": "superuser:sollicitation",
    "sollicitations/<int:pk>/cloturer/": "owner:sollicitation",
    "sollicitations/<int:pk>/pieces/<int:attachment_pk>/": "owner:sollicitation",
    "nous-contacter/": "public",
    "assistant/": "public",
    "aide/": "public",
    "aide/<slug:slug>/": "public",
}

# Third-party URLconfs whose every route shares one policy.
PREFIX_POLICIES: dict[str, str] = {
    "admin/": "admin",
    "compte/": "allauth",
    "cpro/": "api-piste",
    "integrateur/api/v1/": "api-sandbox",
    "sandbox/api/v1/": "api-sandbox",
}


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def all_routes() -> list[str]:
    return sorted({route for route, _ in _walk(get_resolver().url_patterns)})


def policy_of(route: str) -> str | None:
    if route in POLICIES:
        return POLICIES[route]
    for prefix, policy in PREFIX_POLICIES.items():
        if route.startswith(prefix):
            return policy
    return None


def test_every_url_has_a_declared_policy():
    missing = [route for route in all_routes() if policy_of(route) is None]
    assert not missing, (
        "Routes sans politique d'accès déclarée dans tests/security/test_access_matrix.py : "
        + ", ".join(missing)
    )


def test_policy_table_has_no_stale_entry():
    routes = set(all_routes())
    stale = [route for route in POLICIES if route not in routes]
    assert not stale, f"Politiques déclarées pour des routes disparues : {stale}"


# --- the world: two suppliers, two public entities, a superuser --------------------------------

LOGIN = "/compte/login/"
MISSING = 999_999  # an id that exists nowhere: the object lookup must 404, never 500


@dataclass
class Tenant:
    user: object
    membership: object
    objects: dict


def _tenant(*, public: bool, staff_of=None) -> Tenant:
    structure = StructureFactory(public=True) if public else StructureFactory()
    membership = MembershipFactory(structure=structure, principal=True)
    user = membership.user
    objects: dict = {"membership": membership.pk}
    if public:
        objects["public"] = structure.pk
        objects["service"] = ServiceFactory(structure=structure).pk
        objects["engagement"] = EngagementJuridiqueFactory(structure=structure).pk
    else:
        objects["supplier"] = structure.pk
        recipient = staff_of or StructureFactory(public=True)
        invoice = received(recipient, supplier=structure)
        objects["invoice"] = invoice.pk
        objects["draft"] = make_invoice(supplier=structure).pk
        objects["document"] = InvoiceDocument.objects.create(
            invoice=invoice,
            kind=InvoiceDocument.Kind.PIECE_JOINTE,
            file=ContentFile(b"bon de livraison", name="bl.txt"),
            filename="bl.txt",
            content_type="text/plain",
            size=16,
        ).pk
        objects["flux"] = Flux.objects.create(
            supplier=structure,
            syntax="CII",
            file=ContentFile(b"<x/>", name="f.xml"),
            filename="f.xml",
            size=4,
            sha256="0" * 64,
        ).pk
    objects["notification"] = Notification.objects.create(
        user=user, key=f"k{user.pk}", title="T", body="B"
    ).pk
    inviter = MembershipFactory(principal=True)
    objects["invitation"] = MembershipFactory(
        user=user, structure=inviter.structure, pending=True, invited_by=inviter.user
    ).pk
    objects["sollicitation"] = Sollicitation.objects.create(
        requester=user,
        contact_email=user.email,
        contact_name="X",
        category="AUTRE",
        subcategory="AUTRE_QUESTION",
        subject="Question",
    ).pk
    return Tenant(user=user, membership=membership, objects=objects)


@pytest.fixture
def world(db):
    public_own = _tenant(public=True)
    public_other = _tenant(public=True)
    p_structure = public_own.objects["public"]
    from structures.models import Structure

    recipient = Structure.objects.get(pk=p_structure)
    supplier_own = _tenant(public=False, staff_of=recipient)
    supplier_other = _tenant(public=False)
    superuser = UserFactory(is_superuser=True, is_staff=True)
    email = SandboxEmail.objects.create(subject="s", from_email="f", to="t", body="b")
    # the invoice of supplier_own is received by public_own: its "received" view
    public_own.objects["received"] = supplier_own.objects["invoice"]
    public_other.objects["received"] = supplier_other.objects["invoice"]
    return {
        "supplier": (supplier_own, supplier_other),
        "public": (public_own, public_other),
        "superuser": superuser,
        "sandbox_email": email.pk,
    }


SUPPLIER_KINDS = {"supplier", "invoice", "draft", "document", "flux"}
PUBLIC_KINDS = {"public", "received"}


def _sides(world, kind):
    """(own tenant, other tenant) for an object kind."""
    if kind in PUBLIC_KINDS:
        return world["public"]
    return world["supplier"]


def _fill(route: str, tenant: Tenant | None, kind: str | None, world) -> str:
    """The concrete URL of `route` for `tenant`'s object of `kind` (MISSING ids elsewhere)."""
    if route.startswith("admin/^"):
        return "/admin/structures/"
    if route == "admin/(?P<url>.*)$":
        return "/admin/nulle-part/"
    objects = tenant.objects if tenant else {}

    def value(match: re.Match) -> str:
        converter, name = match.group(1), match.group(2)
        if name == "slug":
            return next(iter(HELP_PAGES))
        if name == "action":
            return "suspend"
        if name == "membership_pk":
            return str(objects.get("invitation" if kind == "invitation" else "membership", MISSING))
        if name == "service_pk":
            return str(objects.get("service", MISSING))
        if name == "engagement_pk":
            return str(objects.get("engagement", MISSING))
        if name in {"pk", "structure_id"} and kind:
            if kind == "sandbox_email":
                return str(world["sandbox_email"])
            return str(objects.get(kind, MISSING))
        if converter == "path":
            return "1"
        return str(MISSING)

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and (
        response["Location"].startswith(LOGIN) or response["Location"].startswith("/admin/login/")
    )


def _get(client, user, url):
    client.logout()
    if user is not None:
        client.force_login(user)
    response = client.get(url)
    # File downloads: release the file handle. close() fires request_finished, whose
    # close_old_connections would close the test transaction's connection on PostgreSQL;
    # Django's test client disconnects it around its own requests, and so do we.
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    return response


def _post(client, user, url):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.post(url, {})


def _post_json(client, user, url):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.post(url, "{}", content_type="application/json")


def _assert_anonymous_sent_to_login(client, url):
    """GET and POST: the login page, or 405 for a method the view never accepts (no leak)."""
    statuses = [_get(client, None, url), _post(client, None, url)]
    assert all(_is_login_redirect(r) or r.status_code == 405 for r in statuses), url
    assert any(_is_login_redirect(r) for r in statuses), url


def _assert_hidden(client, user, url):
    """Another tenant: 404 (405 for a method the view never accepts), never 2xx nor 403."""
    statuses = [_get(client, user, url).status_code, _post(client, user, url).status_code]
    assert set(statuses) <= {404, 405}, (url, statuses)
    assert 404 in statuses, (url, statuses)


def _routes(*policies: str) -> list[str]:
    return [r for r in all_routes() if (policy_of(r) or "").split(":")[0] in policies]


@pytest.mark.parametrize("route", _routes("public", "api-docs"))
def test_public_routes_answer_anonymous_users(client, world, route):
    response = _get(client, None, _fill(route, None, None, world))
    assert response.status_code < 500
    assert not _is_login_redirect(response)


@pytest.mark.parametrize("route", _routes("login", "login-object"))
def test_login_routes_send_anonymous_users_to_login_and_never_fail(client, world, route):
    supplier, _ = world["supplier"]
    url = _fill(route, supplier, None, world)
    _assert_anonymous_sent_to_login(client, url)
    assert _get(client, supplier.user, url).status_code < 500


OBJECT_POLICIES = ("supplier", "principal", "staff", "staff-principal", "owner")


@pytest.mark.parametrize("route", _routes(*OBJECT_POLICIES))
def test_object_routes_open_to_their_tenant_and_404_to_another(client, world, route):
    _policy, kind = POLICIES[route].split(":")
    own, other = _sides(world, kind)
    own_url = _fill(route, own, kind, world)
    # anonymous: sent to login, GET and POST
    _assert_anonymous_sent_to_login(client, own_url)
    # the tenant: reaches its object (a POST-only view answers 405 to GET); a sub-object that the
    # world does not build (MISSING id) is a 404 for everyone
    response = _get(client, own.user, own_url)
    if str(MISSING) not in own_url:
        assert response.status_code not in {403, 404}, (own_url, response.status_code)
    assert response.status_code < 500
    # another tenant of the same kind: 404 on GET and POST, the object's existence does not leak
    _assert_hidden(client, other.user, own_url)
    # the other side (a supplier on an entity's object, an agent on a supplier's object): no 2xx
    cross = world["public" if kind not in PUBLIC_KINDS else "supplier"][1]
    for method in (_get, _post):
        status = method(client, cross.user, own_url).status_code
        assert status >= 300, (own_url, status)
        assert status < 500


@pytest.mark.parametrize("route", _routes("superuser"))
def test_superuser_routes_are_closed_to_everyone_else(client, world, route):
    _, kind = [*POLICIES[route].split(":"), None][:2]
    supplier, _ = world["supplier"]
    agent, _ = world["public"]
    url = _fill(route, supplier, kind, world)
    _assert_anonymous_sent_to_login(client, url)
    for user in (supplier.user, agent.user):
        for method in (_get, _post):
            status = method(client, user, url).status_code
            assert status in {302, 403, 404, 405}, (url, status)
    assert _get(client, world["superuser"], url).status_code < 500


@pytest.mark.parametrize("route", _routes("admin"))
def test_admin_routes_send_non_staff_users_to_the_admin_login(client, world, route):
    supplier, _ = world["supplier"]
    url = _fill(route, supplier, None, world)
    if route in {"admin/login/", "admin/logout/"}:
        assert _get(client, None, url).status_code < 500
        return
    for user in (None, supplier.user):
        response = _get(client, user, url)
        assert response.status_code == 302, url
        assert "/admin/login/" in response["Location"], url


@pytest.mark.parametrize("route", _routes("api-piste"))
def test_piste_api_refuses_calls_without_token(client, world, route):
    url = _fill(route, None, None, world)
    for method in (_get, _post_json):
        status = method(client, None, url).status_code
        assert status in {401, 403, 405}, (url, status)
    # a signed-in portal session is not an API credential
    supplier, _ = world["supplier"]
    assert _post_json(client, supplier.user, url).status_code in {401, 403, 405}


@pytest.mark.parametrize("route", _routes("api-sandbox"))
def test_sandbox_api_refuses_anonymous_and_portal_users(client, world, route):
    supplier, _ = world["supplier"]
    url = _fill(route, supplier, None, world)
    for user in (None, supplier.user):
        for method in (_get, _post_json):
            status = method(client, user, url).status_code
            assert status in {401, 403, 404, 405}, (url, user, status)


@pytest.mark.parametrize("route", [r for r in _routes("allauth") if "^" not in r])
def test_allauth_routes_never_fail(client, world, route):
    supplier, _ = world["supplier"]
    url = _fill(route, supplier, None, world)
    for user in (None, supplier.user):
        assert _get(client, user, url).status_code < 500, url
