"""Server-rendered registry pages (htmx + Bootstrap, mobile first).

Each view parses input, calls one selector (reads) or service (writes) and
renders. Out-of-scope objects are 404 like missing ones (the selectors);
actions a role cannot take are hidden in the templates and refused by the
services (PermissionDenied → 403).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from beatbook.core.scoping import Scope, scope_of
from beatbook.core.views import int_param, submit_form
from beatbook.registry import selectors, services
from beatbook.registry.forms import (
    BuildingForm,
    CompoundForm,
    FlatEditForm,
    FlatForm,
    FlatStatusForm,
    MoveOutForm,
    PremisesEditForm,
    PremisesForm,
    ResidentForm,
    TransferDecisionForm,
    TransferForm,
)
from beatbook.registry.idnumbers import mask_id_number
from beatbook.registry.models import (
    Building,
    Community,
    Compound,
    DocumentType,
    Flat,
    FlatStatus,
    Resident,
    Sex,
    TransferStatus,
)
from beatbook.registry.phones import PhoneError, format_phone, parse_phone_list

PAGE_SIZE = 50

Crumbs = list[tuple[str, str | None]]


# --- helpers ------------------------------------------------------------------------


def _scope(request: HttpRequest) -> Scope:
    return scope_of(request.user)


def _require(allowed: bool) -> None:
    """Refuse a page whose action the role cannot take (the service would refuse the save)."""
    if not allowed:
        raise PermissionDenied(_("Your role does not allow this."))


def _flat_label(flat: Flat) -> str:
    return f"{flat.entrance.label}{flat.room}" if flat.entrance_id and flat.entrance else flat.room


def _trail(obj: Model | None) -> Crumbs:
    """Breadcrumbs from "my beat" down to ``obj``."""
    if obj is None:
        return [(_("My beat"), reverse("registry:my-beat"))]
    if isinstance(obj, Community):
        return [*_trail(None), (obj.name, reverse("registry:community-detail", args=[obj.pk]))]
    if isinstance(obj, Compound):
        return [
            *_trail(obj.community),
            (obj.name, reverse("registry:compound-detail", args=[obj.pk])),
        ]
    if isinstance(obj, Building):
        return [
            *_trail(obj.compound),
            (obj.label, reverse("registry:building-detail", args=[obj.pk])),
        ]
    if isinstance(obj, Flat):
        return [
            *_trail(obj.building),
            (_flat_label(obj), reverse("registry:flat-detail", args=[obj.pk])),
        ]
    if isinstance(obj, Resident):
        return [*_trail(obj.flat), (obj.name, reverse("registry:resident-detail", args=[obj.pk]))]
    raise TypeError(obj)


def _crumbs(obj: Model | None, page: str | None = None) -> Crumbs:
    """The trail to ``obj``; the last entry (``page`` if given) is the current page."""
    trail = _trail(obj)
    if page is None:
        label, _url = trail[-1]
        return [*trail[:-1], (label, None)]
    return [*trail, (page, None)]


def _list_crumbs(label: str, url_name: str, *below: tuple[str, str | None]) -> Crumbs:
    """My beat, a list, then the pages ``below`` it (without them the list is the current page)."""
    if not below:
        return [*_trail(None), (label, None)]
    return [*_trail(None), (label, reverse(url_name)), *below]


def _bind(form_class: Callable[..., Any], request: HttpRequest, **kwargs: Any) -> Any:
    return form_class(request.POST if request.method == "POST" else None, **kwargs)


def _form_page(
    request: HttpRequest,
    form: Any,
    *,
    title: str,
    breadcrumbs: Crumbs,
    cancel_url: str,
    **extra: Any,
) -> HttpResponse:
    return render(
        request,
        "registry/form.html",
        {
            "form": form,
            "title": title,
            "breadcrumbs": breadcrumbs,
            "cancel_url": cancel_url,
            **extra,
        },
    )


def _total(rows: Any, count: str) -> int:
    """Add up a count the selector annotated on each row."""
    return sum(getattr(row, count) for row in rows)


def _paginate(request: HttpRequest, qs: Any) -> Any:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


# --- the beat: communities, compounds, buildings ------------------------------------------


@login_required
def my_beat(request: HttpRequest) -> HttpResponse:
    summary = selectors.my_beat(user=request.user)
    return render(request, "registry/my_beat.html", {"summary": summary})


@login_required
def community_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = _scope(request)
    community = selectors.community_get(user=request.user, pk=pk)
    compounds = list(
        selectors.compound_list(user=request.user, community=community.pk, with_counts=True)
    )
    return render(
        request,
        "registry/community_detail.html",
        {
            "community": community,
            "compounds": compounds,
            "can_add_compound": scope.builds_in(community.pk),
            "totals": {
                "buildings": _total(compounds, "building_count"),
                "households": _total(compounds, "household_count"),
                "residents": _total(compounds, "resident_count"),
            },
            "breadcrumbs": _crumbs(community),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def compound_create(request: HttpRequest, pk: int) -> HttpResponse:
    community = selectors.community_get(user=request.user, pk=pk)
    _require(_scope(request).builds_in(community.pk))
    form = _bind(CompoundForm, request)
    done = submit_form(
        request,
        form,
        lambda: services.compound_create(
            actor=request.user, community=community, **form.cleaned_data
        ),
        lambda c: reverse("registry:compound-detail", args=[c.pk]),
        _("Compound created."),
    )
    return done or _form_page(
        request,
        form,
        title=_("New compound in %(c)s") % {"c": community.name},
        breadcrumbs=_crumbs(community, _("New compound")),
        cancel_url=reverse("registry:community-detail", args=[community.pk]),
    )


@login_required
def compound_detail(request: HttpRequest, pk: int) -> HttpResponse:
    compound = selectors.compound_get(user=request.user, pk=pk)
    buildings = list(
        selectors.building_list(user=request.user, compound=compound.pk, with_counts=True)
    )
    premises = selectors.premises_list(user=request.user, compound=compound.pk)[:PAGE_SIZE]
    structure = _scope(request).builds_in(compound.community_id)
    return render(
        request,
        "registry/compound_detail.html",
        {
            "compound": compound,
            "buildings": buildings,
            "premises": premises,
            "can_edit_structure": structure,
            "totals": {
                "households": _total(buildings, "household_count"),
                "vacant": _total(buildings, "vacant_count"),
                "residents": _total(buildings, "resident_count"),
            },
            "breadcrumbs": _crumbs(compound),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def compound_edit(request: HttpRequest, pk: int) -> HttpResponse:
    compound = selectors.compound_get(user=request.user, pk=pk)
    _require(_scope(request).builds_in(compound.community_id))
    initial = {f: getattr(compound, f) for f in services.COMPOUND_FIELDS}
    form = _bind(CompoundForm, request, initial=initial)
    done = submit_form(
        request,
        form,
        lambda: services.compound_update(
            actor=request.user, compound=compound, **form.cleaned_data
        ),
        lambda c: reverse("registry:compound-detail", args=[c.pk]),
        _("Compound saved."),
    )
    return done or _form_page(
        request,
        form,
        title=_("Edit %(c)s") % {"c": compound.name},
        breadcrumbs=_crumbs(compound, _("Edit")),
        cancel_url=reverse("registry:compound-detail", args=[compound.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def building_create(request: HttpRequest, pk: int) -> HttpResponse:
    compound = selectors.compound_get(user=request.user, pk=pk)
    _require(_scope(request).builds_in(compound.community_id))
    form = _bind(BuildingForm, request)
    done = submit_form(
        request,
        form,
        lambda: services.building_create(
            actor=request.user,
            compound=compound,
            number=form.cleaned_data["number"],
            name=form.cleaned_data["name"],
            floors=form.cleaned_data["floors"],
        ),
        lambda b: reverse("registry:building-detail", args=[b.pk]),
        _("Building created."),
    )
    return done or _form_page(
        request,
        form,
        title=_("New building in %(c)s") % {"c": compound.name},
        breadcrumbs=_crumbs(compound, _("New building")),
        cancel_url=reverse("registry:compound-detail", args=[compound.pk]),
    )


@login_required
def building_detail(request: HttpRequest, pk: int) -> HttpResponse:
    building = selectors.building_get(user=request.user, pk=pk)
    grid = selectors.building_grid(user=request.user, building=building)
    legend = [
        (value, label, grid.status_counts.get(value, 0)) for value, label in FlatStatus.choices
    ]
    return render(
        request,
        "registry/building_detail.html",
        {
            "building": building,
            "grid": grid,
            "legend": legend,
            "breadcrumbs": _crumbs(building),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def building_edit(request: HttpRequest, pk: int) -> HttpResponse:
    building = selectors.building_get(user=request.user, pk=pk)
    scope = _scope(request)
    _require(scope.edits_registry)
    # A building head may name the building and count its floors; only the
    # beat officer renumbers it (that changes every flat's address).
    renumber = scope.builds_in(building.compound.community_id)
    form = _bind(
        BuildingForm, request, initial={f: getattr(building, f) for f in services.BUILDING_FIELDS}
    )
    if not renumber:
        form.fields["number"].disabled = True

    def save() -> Building:
        changes = {"name": form.cleaned_data["name"], "floors": form.cleaned_data["floors"]}
        if renumber:
            changes["number"] = form.cleaned_data["number"]
        return services.building_update(actor=request.user, building=building, **changes)

    done = submit_form(
        request,
        form,
        save,
        lambda b: reverse("registry:building-detail", args=[b.pk]),
        _("Building saved."),
    )
    return done or _form_page(
        request,
        form,
        title=_("Edit %(b)s") % {"b": building},
        breadcrumbs=_crumbs(building, _("Edit")),
        cancel_url=reverse("registry:building-detail", args=[building.pk]),
    )


# --- flats --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def flat_create(request: HttpRequest, pk: int) -> HttpResponse:
    building = selectors.building_get(user=request.user, pk=pk)
    _require(_scope(request).edits_registry)
    form = _bind(FlatForm, request, initial={"entrance_number": request.GET.get("entrance", "")})
    done = submit_form(
        request,
        form,
        lambda: services.flat_create(
            actor=request.user,
            building=building,
            room=form.cleaned_data["room"],
            entrance_number=form.cleaned_data["entrance_number"],
            status=form.cleaned_data["status"],
            floor=form.cleaned_data["floor"],
            area_m2=form.cleaned_data["area_m2"],
            notes=form.cleaned_data["notes"],
        ),
        lambda f: reverse("registry:flat-detail", args=[f.pk]),
        _("Flat added."),
    )
    return done or _form_page(
        request,
        form,
        title=_("Add a flat to %(b)s") % {"b": building},
        breadcrumbs=_crumbs(building, _("Add flat")),
        cancel_url=reverse("registry:building-detail", args=[building.pk]),
    )


@login_required
def flat_detail(request: HttpRequest, pk: int) -> HttpResponse:
    flat = selectors.flat_get(user=request.user, pk=pk)
    residents = list(selectors.flat_residents(user=request.user, flat=flat))
    premises = selectors.premises_list(user=request.user, building=flat.building_id)[:PAGE_SIZE]
    return render(
        request,
        "registry/flat_detail.html",
        {
            "flat": flat,
            "members": [r for r in residents if not r.moved_out],
            "former": [r for r in residents if r.moved_out],
            "premises": premises,
            "status_choices": FlatStatus.choices,
            "breadcrumbs": _crumbs(flat),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def flat_edit(request: HttpRequest, pk: int) -> HttpResponse:
    flat = selectors.flat_get(user=request.user, pk=pk)
    _require(_scope(request).edits_registry)
    form = _bind(FlatEditForm, request, initial={f: getattr(flat, f) for f in services.FLAT_FIELDS})
    done = submit_form(
        request,
        form,
        lambda: services.flat_update(
            actor=request.user,
            flat=flat,
            room=form.cleaned_data["room"],
            floor=form.cleaned_data["floor"],
            status=form.cleaned_data["status"],
            area_m2=form.cleaned_data["area_m2"],
            notes=form.cleaned_data["notes"],
        ),
        lambda f: reverse("registry:flat-detail", args=[f.pk]),
        _("Flat saved."),
    )
    return done or _form_page(
        request,
        form,
        title=_("Edit %(a)s") % {"a": flat.address},
        breadcrumbs=_crumbs(flat, _("Edit")),
        cancel_url=reverse("registry:flat-detail", args=[flat.pk]),
    )


@login_required
@require_POST
def flat_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Quick status change from the household page (an htmx fragment, or a redirect without JS)."""
    flat = selectors.flat_get(user=request.user, pk=pk)
    form = FlatStatusForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.flat_update(actor=request.user, flat=flat, status=form.cleaned_data["status"])
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = _("Unknown flat status.")
    if getattr(request, "htmx", False):
        return render(
            request,
            "registry/_flat_status.html",
            {
                "flat": flat,
                "status_choices": FlatStatus.choices,
                "status_error": error,
                "saved": not error,
            },
        )
    if error:
        messages.error(request, error)
    return redirect("registry:flat-detail", pk=flat.pk)


# --- residents ----------------------------------------------------------------------------


@login_required
def resident_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    community, compound, building = (
        int_param(request, k) for k in ("community", "compound", "building")
    )
    moved_out = {"current": False, "moved_out": True}.get(request.GET.get("show", ""))
    residents = selectors.resident_list(
        user=request.user,
        search=q,
        community=community,
        compound=compound,
        building=building,
        moved_out=moved_out,
    )
    sees = _scope(request).sees_residents
    return render(
        request,
        "registry/resident_list.html",
        {
            "page": _paginate(request, residents),
            "q": q,
            "show": request.GET.get("show", ""),
            "community": community,
            "compound": compound,
            "communities": selectors.community_list(user=request.user) if sees else [],
            "compounds": selectors.compound_list(user=request.user, community=community)
            if sees
            else [],
            "building": selectors.building_list(user=request.user).filter(pk=building).first()
            if building
            else None,
            "breadcrumbs": _list_crumbs(_("Residents"), "registry:resident-list"),
        },
    )


@login_required
def resident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # Every opening of a resident's record is audited (a community worker's
    # too, though the ID number is masked for them).
    resident = selectors.resident_read(user=request.user, pk=pk)
    return render(
        request,
        "registry/resident_detail.html",
        {
            "resident": resident,
            "id_number": selectors.id_number_for(request.user, resident, full=True),
            "history": selectors.residence_history(user=request.user, resident=resident),
            "move_out_form": MoveOutForm(initial={"on": timezone.localdate()}),
            "breadcrumbs": _crumbs(resident),
        },
    )


def _id_feedback(
    errors: list[ValidationError], *, flat: Flat | None, typed: dict[str, str]
) -> dict[str, Any]:
    """What to show under the ID number: the errors, with a link to the record
    when the number is someone's in scope, or to a transfer request when the
    person is registered elsewhere (and nothing about them)."""
    items = []
    for error in errors:
        item: dict[str, Any] = {"text": " ".join(error.messages), "code": error.code or ""}
        params = error.params or {}
        if error.code == "duplicate" and params.get("url"):
            item.update(url=params["url"], link=_("Open the record"))
        elif error.code == "registered_elsewhere" and flat is not None:
            query = urlencode({k: v for k, v in typed.items() if v})
            item.update(
                url=f"{reverse('registry:transfer-create', args=[flat.pk])}?{query}",
                link=_("Request a transfer"),
            )
        items.append(item)
    return {"state": "invalid" if items else "", "lines": items}


def _resident_form_page(
    request: HttpRequest,
    form: ResidentForm,
    *,
    flat: Flat,
    resident: Resident | None,
    title: str,
    breadcrumbs: Crumbs,
    cancel_url: str,
) -> HttpResponse:
    id_errors = form.errors.as_data().get("id_number", []) if form.is_bound else []
    typed = {k: form.data.get(k, "") for k in services.DOCUMENT_FIELDS} if form.is_bound else {}
    validate_query = urlencode({"flat": flat.pk, **({"resident": resident.pk} if resident else {})})
    # Check the ID number and the phones as the user leaves each field.
    inline = {"hx-trigger": "change", "hx-swap": "outerHTML", "hx-sync": "this:replace"}
    id_check = {
        **inline,
        "hx-post": f"{reverse('registry:validate-id-number')}?{validate_query}",
        "hx-target": "#id-number-feedback",
    }
    for name in services.DOCUMENT_FIELDS:
        form.fields[name].widget.attrs.update(id_check)
    form.fields["phones"].widget.attrs.update(
        {**inline, "hx-post": reverse("registry:validate-phones"), "hx-target": "#phones-feedback"}
    )
    return render(
        request,
        "registry/resident_form.html",
        {
            "form": form,
            "flat": flat,
            "resident": resident,
            "title": title,
            "breadcrumbs": breadcrumbs,
            "cancel_url": cancel_url,
            "id_feedback": _id_feedback(id_errors, flat=flat, typed=typed),
            "validate_query": validate_query,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def resident_create(request: HttpRequest, pk: int) -> HttpResponse:
    flat = selectors.flat_get(user=request.user, pk=pk)
    _require(_scope(request).edits_registry)
    form = _bind(ResidentForm, request)
    done = submit_form(
        request,
        form,
        lambda: services.resident_register(
            actor=request.user,
            flat=flat,
            **form.service_fields(),
            **form.document_fields(),
        ),
        lambda r: reverse("registry:flat-detail", args=[flat.pk]),
        _("Resident registered."),
    )
    return done or _resident_form_page(
        request,
        form,
        flat=flat,
        resident=None,
        title=_("Register a resident in %(a)s") % {"a": flat.address},
        breadcrumbs=_crumbs(flat, _("Add resident")),
        cancel_url=reverse("registry:flat-detail", args=[flat.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def resident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require(_scope(request).edits_registry)
    if request.method == "GET":
        # The form shows the full ID number: that is a sensitive read.
        resident = selectors.resident_read(user=request.user, pk=pk, purpose="edit")
    else:
        resident = selectors.resident_get(user=request.user, pk=pk)
    initial = {
        "name": resident.name,
        "document_type": DocumentType.PASSPORT
        if resident.document_type == DocumentType.PASSPORT
        else DocumentType.ID_CARD,
        "id_number": resident.id_number,
        "passport_country": resident.passport_country,
        "sex": resident.sex,
        "birth_date": resident.birth_date,
        "phones": ", ".join(format_phone(p) for p in resident.phones or []),
        "population_type": resident.population_type,
        "relation": resident.relation,
        "is_head": resident.is_head,
        "ethnicity": resident.ethnicity,
        "occupation": resident.occupation,
        "moved_in_on": resident.moved_in_on,
        "notes": resident.notes,
    }
    form = _bind(ResidentForm, request, initial=initial)

    def save() -> Resident:
        # the service keeps only what changed (an unchanged document is no change)
        return services.resident_update(
            actor=request.user,
            resident=resident,
            **form.service_fields(),
            **form.document_fields(),
        )

    done = submit_form(
        request,
        form,
        save,
        lambda r: reverse("registry:resident-detail", args=[r.pk]),
        _("Resident saved."),
    )
    return done or _resident_form_page(
        request,
        form,
        flat=resident.flat,
        resident=resident,
        title=_("Edit %(n)s") % {"n": resident.name},
        breadcrumbs=_crumbs(resident, _("Edit")),
        cancel_url=reverse("registry:resident-detail", args=[resident.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def resident_move_out(request: HttpRequest, pk: int) -> HttpResponse:
    resident = selectors.resident_get(user=request.user, pk=pk)
    _require(_scope(request).edits_registry)
    form = _bind(MoveOutForm, request, initial={"on": timezone.localdate()})
    done = submit_form(
        request,
        form,
        lambda: services.resident_move_out(
            actor=request.user,
            resident=resident,
            on=form.cleaned_data["on"],
            reason=form.cleaned_data["reason"],
        ),
        lambda r: reverse("registry:resident-detail", args=[r.pk]),
        _("Marked as moved out."),
    )
    return done or _form_page(
        request,
        form,
        title=_("%(n)s moved out of %(a)s") % {"n": resident.name, "a": resident.flat.address},
        breadcrumbs=_crumbs(resident, _("Move out")),
        cancel_url=reverse("registry:resident-detail", args=[resident.pk]),
        submit_label=_("Mark as moved out"),
        danger=True,
    )


@login_required
@require_POST
def validate_id_number(request: HttpRequest) -> HttpResponse:
    """Inline check of the ID number field (htmx, on leaving the field)."""
    flat_pk, resident_pk = int_param(request, "flat"), int_param(request, "resident")
    flat = selectors.flat_get(user=request.user, pk=flat_pk) if flat_pk else None
    resident = selectors.resident_get(user=request.user, pk=resident_pk) if resident_pk else None
    typed = {k: request.POST.get(k, "").strip() for k in services.DOCUMENT_FIELDS}
    typed["document_type"] = typed["document_type"] or DocumentType.ID_CARD
    feedback: dict[str, Any] = {"state": "", "lines": []}
    if typed["id_number"]:
        try:
            doc = services.document_check(actor=request.user, resident=resident, **typed)
        except ValidationError as exc:
            errors = (
                [e for es in exc.error_dict.values() for e in es]
                if hasattr(exc, "error_dict")
                else [exc]
            )
            feedback = _id_feedback(errors, flat=flat, typed=typed)
        else:
            if doc.birth_date:
                text = _("Valid — born %(date)s, %(sex)s") % {
                    "date": doc.birth_date.isoformat(),
                    "sex": Sex(doc.sex).label if doc.sex else "",
                }
            else:
                text = _("Valid passport number")
            feedback = {"state": "valid", "lines": [{"text": text, "code": "valid"}]}
    return render(request, "registry/_id_feedback.html", {"id_feedback": feedback})


@login_required
@require_POST
def validate_phones(request: HttpRequest) -> HttpResponse:
    """Inline check of the phones field (htmx, on leaving the field)."""
    _require(_scope(request).edits_registry)
    text = request.POST.get("phones", "").strip()
    state, message = "", ""
    if text:
        try:
            phones = parse_phone_list(text)
        except PhoneError as exc:
            state, message = "invalid", services.phone_error_message(exc)
        else:
            state, message = (
                "valid",
                _("Valid — %(phones)s") % {"phones": ", ".join(format_phone(p) for p in phones)},
            )
    return render(request, "registry/_phones_feedback.html", {"state": state, "message": message})


# --- premises -----------------------------------------------------------------------------


@login_required
def premises_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    filters = {k: int_param(request, k) for k in ("community", "compound", "building")}
    premises = selectors.premises_list(user=request.user, search=q, **filters)
    return render(
        request,
        "registry/premises_list.html",
        {
            "page": _paginate(request, premises),
            "q": q,
            "filters": filters,
            "breadcrumbs": _list_crumbs(_("Premises"), "registry:premises-list"),
        },
    )


@login_required
def premises_detail(request: HttpRequest, pk: int) -> HttpResponse:
    premises = selectors.premises_get(user=request.user, pk=pk)
    return render(
        request,
        "registry/premises_detail.html",
        {
            "premises": premises,
            "breadcrumbs": _list_crumbs(
                _("Premises"), "registry:premises-list", (premises.name, None)
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def premises_create(request: HttpRequest) -> HttpResponse:
    _require(_scope(request).edits_registry)
    initial = {k: int_param(request, k) for k in ("community", "compound", "building")}
    form = _bind(
        PremisesForm,
        request,
        initial=initial,
        communities=selectors.community_list(user=request.user),
        compounds=selectors.compound_list(user=request.user),
        buildings=selectors.building_list(user=request.user),
    )
    done = submit_form(
        request,
        form,
        lambda: services.premises_create(
            actor=request.user,
            community=form.cleaned_data["community"],
            compound=form.cleaned_data["compound"],
            building=form.cleaned_data["building"],
            **form.service_fields(),
        ),
        lambda p: reverse("registry:premises-detail", args=[p.pk]),
        _("Premises registered."),
    )
    return done or _form_page(
        request,
        form,
        title=_("New premises"),
        breadcrumbs=_list_crumbs(_("Premises"), "registry:premises-list", (_("New"), None)),
        cancel_url=reverse("registry:premises-list"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def premises_edit(request: HttpRequest, pk: int) -> HttpResponse:
    premises = selectors.premises_get(user=request.user, pk=pk)
    _require(_scope(request).edits_registry)
    initial = {k: getattr(premises, k) for k in services.PREMISES_EDITABLE_FIELDS}
    form = _bind(PremisesEditForm, request, initial=initial)
    done = submit_form(
        request,
        form,
        lambda: services.premises_update(
            actor=request.user, premises=premises, **form.service_fields()
        ),
        lambda p: reverse("registry:premises-detail", args=[p.pk]),
        _("Premises saved."),
    )
    return done or _form_page(
        request,
        form,
        title=_("Edit %(n)s") % {"n": premises.name},
        breadcrumbs=_list_crumbs(
            _("Premises"),
            "registry:premises-list",
            (premises.name, reverse("registry:premises-detail", args=[premises.pk])),
            (_("Edit"), None),
        ),
        cancel_url=reverse("registry:premises-detail", args=[premises.pk]),
    )


# --- transfers between beats -------------------------------------------------------------


@login_required
def transfer_list(request: HttpRequest) -> HttpResponse:
    # The chief's list is a to-do list: pending requests unless asked otherwise.
    default = TransferStatus.PENDING if _scope(request).approves_transfers else "all"
    status = request.GET.get("status") or default
    transfers = selectors.transfer_list(
        user=request.user, status=status if status in TransferStatus.values else None
    )
    return render(
        request,
        "registry/transfer_list.html",
        {
            "page": _paginate(request, transfers),
            "status": status,
            "statuses": TransferStatus.choices,
            "breadcrumbs": _list_crumbs(_("Transfers"), "registry:transfer-list"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def transfer_create(request: HttpRequest, pk: int) -> HttpResponse:
    flat = selectors.flat_get(user=request.user, pk=pk)
    _require(_scope(request).edits_registry)
    initial = {k: request.GET.get(k, "") for k in services.DOCUMENT_FIELDS if request.GET.get(k)}
    form = _bind(TransferForm, request, initial=initial)
    done = submit_form(
        request,
        form,
        lambda: services.transfer_request_create(
            actor=request.user, to_flat=flat, **form.cleaned_data
        ),
        lambda t: reverse("registry:transfer-detail", args=[t.pk]),
        _("Transfer requested: the station chief decides."),
    )
    return done or _form_page(
        request,
        form,
        title=_("Request a transfer into %(a)s") % {"a": flat.address},
        breadcrumbs=_crumbs(flat, _("Request transfer")),
        cancel_url=reverse("registry:flat-detail", args=[flat.pk]),
        intro=_("For a person registered in another beat: the station chief approves the move."),
    )


@login_required
def transfer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = selectors.transfer_get(user=request.user, pk=pk)
    scope = _scope(request)
    # The person's current record is shown only to whoever already sees it.
    try:
        person = selectors.resident_get(user=request.user, pk=transfer.resident_id)
    except Http404:
        person = None
    can_decide = transfer.status == TransferStatus.PENDING and scope.decides_transfers_into(
        transfer.to_flat.building.compound.community_id
    )
    return render(
        request,
        "registry/transfer_detail.html",
        {
            "transfer": transfer,
            "person": person,
            "masked_id": mask_id_number(transfer.resident.id_number),
            "can_decide": can_decide,
            "decision_form": TransferDecisionForm() if can_decide else None,
            "breadcrumbs": _list_crumbs(
                _("Transfers"),
                "registry:transfer-list",
                (_("Request #%(n)s") % {"n": transfer.pk}, None),
            ),
        },
    )


@login_required
@require_POST
def transfer_decide(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = selectors.transfer_get(user=request.user, pk=pk)
    form = TransferDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
    else:
        try:
            services.transfer_request_decide(
                actor=request.user,
                request=transfer,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Transfer approved.")
                if transfer.status == TransferStatus.APPROVED
                else _("Transfer rejected."),
            )
    return redirect("registry:transfer-detail", pk=transfer.pk)
