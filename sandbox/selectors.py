"""Read-only queries of the sandbox app."""

from django.db import connection
from django.db.models import Q, QuerySet

from sandbox.models import RobotScenario, Sandbox

DEFAULT_SLUG = "defaut"
SANDBOX_ADMIN_GROUP = "sandbox-admin"


def sandbox_default() -> Sandbox:
    """The default sandbox, or an unsaved one at real time when none was created yet."""
    return sandbox_for_structure(structure_id=None)


def sandbox_for_structure(*, structure_id: int | None) -> Sandbox:
    """The isolated sandbox of the structure, else the default one, else an unsaved one at real
    time: one statement.

    The clock is read by every API call (technical-password expiry) and most tasks, so the query
    is written out once (`Sandbox.objects.raw`, which still converts the fields): a round trip,
    where compiling it through the ORM cost ≈ 1 ms more per call (issue 9, P1).
    """
    # Table names from _meta, never input; the structure id is a bound parameter.
    sandbox = connection.ops.quote_name(Sandbox._meta.db_table)
    links = connection.ops.quote_name(Sandbox.structures.through._meta.db_table)
    isolated = f"id IN (SELECT sandbox_id FROM {links} WHERE structure_id = %s)"  # noqa: S608  # nosec B608
    where = "is_default" if structure_id is None else f"is_default OR {isolated}"
    select = f"SELECT * FROM {sandbox}"  # noqa: S608  # nosec B608
    # The isolated sandbox first (is_default false sorts first).
    sql = f"{select} WHERE {where} ORDER BY is_default LIMIT 1"
    params = [] if structure_id is None else [structure_id]
    found = list(Sandbox.objects.raw(sql, params))  # read to the end: the cursor is released
    if found:
        return found[0]
    return Sandbox(name="Bac à sable par défaut", slug=DEFAULT_SLUG, is_default=True)


def scenarios_active() -> QuerySet[RobotScenario]:
    return (
        RobotScenario.objects.filter(is_active=True, structure__is_active=True)
        .select_related("structure", "robot_user")
        .prefetch_related("rules")
    )


def scenario_for(*, structure_id: int) -> RobotScenario | None:
    return RobotScenario.objects.filter(structure_id=structure_id).prefetch_related("rules").first()


def structure_sandbox_peers(*, structure_id: int) -> set[int]:
    """Structures of the same isolated sandbox as `structure_id` (empty for the default one)."""
    from structures.models import Structure

    sandbox = Sandbox.objects.filter(is_default=False, structures__id=structure_id).first()
    if sandbox is None:
        return set()
    return set(Structure.objects.filter(sandboxes=sandbox).values_list("pk", flat=True))


def user_can_control_clock(*, user) -> bool:
    """Portal clock and reset page: superusers and members of the `sandbox-admin` group."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or user.groups.filter(name=SANDBOX_ADMIN_GROUP).exists()


def structure_in_isolated_sandbox(*, structure_id: int) -> bool:
    return Sandbox.objects.filter(is_default=False, structures__id=structure_id).exists()


def user_can_view_scenario(*, user, structure) -> bool:
    """Read a robot's scenario: a sandbox administrator, an agent of the structure, or anybody
    for the demo robots shown to all (`open_to_all`)."""
    from structures.choices import MembershipStatus
    from structures.models import Membership

    if not user.is_authenticated:
        return False
    if user_can_set_scenario(user=user, structure=structure):
        return True
    if RobotScenario.objects.filter(structure=structure, open_to_all=True).exists():
        return True
    return Membership.objects.filter(
        user=user, structure=structure, status=MembershipStatus.VALIDEE
    ).exists()


def user_can_set_scenario(*, user, structure) -> bool:
    """Portal: the robots act on every tenant's invoices sent to these recipients, so only the
    administrators of the shared sandbox (superusers, group `sandbox-admin`) change them — like
    its clock. An isolated sandbox's robots are set by its own technical accounts, by API."""
    return user_can_control_clock(user=user)


def account_can_control_sandbox(*, account) -> bool:
    """API: a technical account moves a clock only of its own isolated sandbox (`sandbox_create`);
    the shared sandbox's clock is its administrators', in the portal."""
    return structure_in_isolated_sandbox(structure_id=account.structure_id)


def account_can_set_scenario(*, account, structure) -> bool:
    """API: a structure of the account's own isolated sandbox only (never the shared sandbox)."""
    return structure.pk in structure_sandbox_peers(structure_id=account.structure_id)


def account_can_view_scenario(*, account, structure) -> bool:
    """API, reading: its own structure, its isolated sandbox's, or a demo robot shown to all."""
    if account.structure_id == structure.pk or account_can_set_scenario(
        account=account, structure=structure
    ):
        return True
    return RobotScenario.objects.filter(structure=structure, open_to_all=True).exists()


def robot_recipients_for(*, user) -> QuerySet:
    """Public structures whose robot the user may see (set: sandbox administrators only)."""
    from structures.choices import MembershipStatus, StructureKind
    from structures.models import Structure

    structures = Structure.objects.filter(kind=StructureKind.PUBLIQUE, is_active=True)
    if not user_can_set_scenario(user=user, structure=None):
        structures = structures.filter(
            Q(robot_scenario__open_to_all=True)
            | Q(
                memberships__user=user,
                memberships__status=MembershipStatus.VALIDEE,
                robot_scenario__isnull=False,
            )
        )
    return structures.select_related("robot_scenario").distinct().order_by("name")
