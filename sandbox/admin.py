from django.contrib import admin

from sandbox.models import RobotAction, RobotRule, RobotScenario, Sandbox


@admin.register(Sandbox)
class SandboxAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_default", "offset_seconds", "frozen_at", "created_at"]
    filter_horizontal = ["structures"]


class RobotRuleInline(admin.TabularInline):
    model = RobotRule
    extra = 0


@admin.register(RobotScenario)
class RobotScenarioAdmin(admin.ModelAdmin):
    list_display = ["name", "structure", "is_active", "open_to_all", "updated_at"]
    list_select_related = ["structure"]
    raw_id_fields = ["structure", "robot_user"]
    inlines = [RobotRuleInline]


@admin.register(RobotAction)
class RobotActionAdmin(admin.ModelAdmin):
    list_display = ["rule", "invoice", "to_status", "simulated_at", "created_at"]
    raw_id_fields = ["rule", "invoice"]
