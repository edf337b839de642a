"""Configuration pages: stations, beats, communities and users (system administrator only).

The system administrator sees the tree down to community names, compound
names and building numbers (to assign people), and never residents' data.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from beatbook.accounts import forms, selectors, services
from beatbook.accounts.models import User
from beatbook.core.forms import add_service_errors
from beatbook.core.views import scope_required, submit_form

USERS_PER_PAGE = 50

#: these pages are configuration, not scoped data: any other role gets 403
admin_required = scope_required(
    "administers", gettext_lazy("Only the system administrator can change the configuration.")
)


def _crumbs(*items: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [(_("Configuration"), reverse("accounts:admin-home")), *items]


def _in_tree(kind: str, pk: int) -> str:
    """The configuration page, at a station or beat of its tree."""
    return f"{reverse('accounts:admin-home')}#{kind}-{pk}"


def _form_page(request: HttpRequest, form: Form, title: str, **extra: Any) -> HttpResponse:
    context = {"form": form, "title": title, "breadcrumbs": _crumbs((title, None)), **extra}
    return render(request, "accounts/form.html", context)


@require_GET
@admin_required
def admin_home(request: HttpRequest) -> HttpResponse:
    user_filter = forms.UserFilterForm(request.GET or None, user=request.user)
    users = selectors.user_list(user=request.user, **user_filter.filters())
    page = Paginator(users, USERS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "tree": selectors.structure_tree(user=request.user),
        "role_counts": selectors.user_role_counts(user=request.user),
        "user_filter": user_filter,
        "page": page,
        "query": query.urlencode(),
    }
    return render(request, "accounts/admin_home.html", context)


# --- structure --------------------------------------------------------------


@admin_required
def station_create(request: HttpRequest) -> HttpResponse:
    form = forms.StationForm(request.POST or None)
    done = submit_form(
        request,
        form,
        lambda: services.station_create(actor=request.user, **form.cleaned_data),
        lambda station: _in_tree("station", station.pk),
        lambda station: _("Station “%(name)s” created.") % {"name": station.name},
    )
    return done or _form_page(request, form, _("New station"))


@admin_required
def beat_create(request: HttpRequest) -> HttpResponse:
    form = forms.BeatForm(
        request.POST or None, user=request.user, initial={"station": request.GET.get("station")}
    )
    done = submit_form(
        request,
        form,
        lambda: services.beat_create(actor=request.user, **form.cleaned_data),
        lambda beat: _in_tree("beat", beat.pk),
        lambda beat: _("Beat “%(name)s” created.") % {"name": beat.name},
    )
    return done or _form_page(request, form, _("New beat"))


@admin_required
def community_create(request: HttpRequest) -> HttpResponse:
    form = forms.CommunityForm(
        request.POST or None, user=request.user, initial={"beat": request.GET.get("beat")}
    )
    done = submit_form(
        request,
        form,
        lambda: services.community_create(actor=request.user, **form.cleaned_data),
        lambda community: _in_tree("beat", community.beat_id),
        lambda community: _("Community “%(name)s” created.") % {"name": community.name},
    )
    return done or _form_page(request, form, _("New community"))


@admin_required
def community_move(request: HttpRequest, pk: int) -> HttpResponse:
    community = selectors.community_get(user=request.user, pk=pk)
    form = forms.CommunityMoveForm(
        request.POST or None, user=request.user, initial={"beat": community.beat_id}
    )
    done = submit_form(
        request,
        form,
        lambda: services.community_move(
            actor=request.user, community=community, beat=form.cleaned_data["beat"]
        ),
        lambda moved: _in_tree("beat", moved.beat_id),
        lambda moved: (
            _("Community “%(name)s” moved to %(beat)s.")
            % {"name": moved.name, "beat": moved.beat.name}
        ),
    )
    title = _("Move community “%(name)s”") % {"name": community.name}
    return done or _form_page(request, form, title, community=community)


# --- users ------------------------------------------------------------------


def _user_detail_url(user: User) -> str:
    return reverse("accounts:user-detail", args=[user.pk])


def _after_password(
    request: HttpRequest, result: services.UserPassword, created: bool
) -> HttpResponse:
    """A generated password is shown once (rendered from the POST, never stored
    or cached); a typed one is not shown again: back to the user's page."""
    target = result.user
    if not result.generated:
        return redirect(_user_detail_url(target))
    response = render(
        request,
        "accounts/password_shown.html",
        {
            "target": target,
            "password": result.password,
            "created": created,
            "breadcrumbs": _crumbs(
                (target.label, _user_detail_url(target)),
                (_("Password"), None),
            ),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@admin_required
def user_create(request: HttpRequest) -> HttpResponse:
    form = forms.UserCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.user_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("User “%(name)s” created.") % {"name": result.user.label})
            return _after_password(request, result, created=True)
    return _form_page(request, form, _("New user"))


@require_GET
@admin_required
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.user_get(user=request.user, pk=pk)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "target": target,
            "kinds": services.assignable_kinds(target.role),
            "breadcrumbs": _crumbs((target.label, None)),
        },
    )


@admin_required
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.user_get(user=request.user, pk=pk)
    initial = {
        "display_name": target.display_name,
        "role": target.role,
        "station": target.station_id,
        "phone": target.phone,
    }
    form = forms.UserEditForm(request.POST or None, user=request.user, initial=initial)
    done = submit_form(
        request,
        form,
        lambda: services.user_update(actor=request.user, user=target, **form.cleaned_data),
        _user_detail_url,
        lambda user: _("User “%(name)s” saved.") % {"name": user.label},
    )
    return done or _form_page(
        request, form, _("Edit %(name)s") % {"name": target.label}, target=target
    )


@admin_required
def user_assign(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.user_get(user=request.user, pk=pk)
    form = forms.AssignmentForm(request.POST or None, user=request.user, target=target)
    done = submit_form(
        request,
        form,
        lambda: services.user_set_assignments(
            actor=request.user, user=target, **form.assignments()
        ),
        _user_detail_url,
        lambda user: _("Assignments of “%(name)s” saved.") % {"name": user.label},
    )
    return done or render(
        request,
        "accounts/user_assign.html",
        {
            "form": form,
            "target": target,
            "covers_station": services.covers_station(target.role),
            "compounds": selectors.compound_refs(user=request.user, station=target.station_id)
            if "buildings" in form.kinds
            else [],
            "breadcrumbs": _crumbs(
                (target.label, _user_detail_url(target)),
                (_("Assignments"), None),
            ),
        },
    )


@never_cache
@admin_required
def user_password(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.user_get(user=request.user, pk=pk)
    form = forms.PasswordResetForm(request.POST or None, target=target)
    if request.method == "POST" and form.is_valid():
        result = services.user_set_password(
            actor=request.user, user=target, password=form.cleaned_data["password"]
        )
        if target.pk == request.user.pk:
            update_session_auth_hash(request, target)
        messages.success(request, _("Password of “%(name)s” reset.") % {"name": target.label})
        return _after_password(request, result, created=False)
    return _form_page(
        request, form, _("Reset the password of %(name)s") % {"name": target.label}, target=target
    )


@require_POST
@admin_required
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.user_get(user=request.user, pk=pk)
    try:
        services.user_deactivate(actor=request.user, user=target)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("User “%(name)s” deactivated.") % {"name": target.label})
    return redirect(_user_detail_url(target))


@require_POST
@admin_required
def user_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.user_get(user=request.user, pk=pk)
    services.user_reactivate(actor=request.user, user=target)
    messages.success(request, _("User “%(name)s” reactivated.") % {"name": target.label})
    return redirect(_user_detail_url(target))


@require_GET
@admin_required
def compound_buildings(request: HttpRequest) -> HttpResponse:
    """htmx: the building numbers of the compound typed in the assignment form."""
    text = request.GET.get("add_compound", "").strip()
    found = selectors.compound_buildings(user=request.user, text=text)
    context = {
        "compound": text,
        "numbers": list(found.numbers),
        "problem": "" if found.compound else forms.compound_error(text, found),
    }
    return render(request, "accounts/_compound_buildings.html", context)
