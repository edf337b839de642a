"""GET /api/v1/search/?q=: the one-box search."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from beatbook.search import selectors

DEFAULT_PAGE_SIZE = 20


def _int(request: Request, name: str, default: int) -> int:
    value = request.query_params.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise serializers.ValidationError({name: ["A whole number is required."]}) from None


RESULT_FIELDS: dict = {
    "name": "SearchResult",
    "fields": {
        "type": serializers.ChoiceField(choices=["resident", "flat", "premises"]),
        "id": serializers.IntegerField(),
        "label": serializers.CharField(help_text="Name and masked ID number, address or name."),
        "address": serializers.CharField(),
        "moved_out": serializers.BooleanField(),
        "url": serializers.CharField(help_text="The page of the resident, flat or premises."),
    },
}


class SearchViewSet(viewsets.ViewSet):
    """One search box for residents, flats and premises in your jurisdiction."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "q",
                OpenApiTypes.STR,
                description=(
                    "Name (简/繁), pinyin (zhangwei, zhang) or initials (zw); ID number or its "
                    "last 4-6 characters; phone or its last 4 digits; address (6-2-301, "
                    "6号楼2单元301, 富贵佳园6栋301, a compound); premises name or contact."
                ),
            ),
            OpenApiParameter("page", OpenApiTypes.INT, description="Page number, from 1."),
            OpenApiParameter(
                "page_size", OpenApiTypes.INT, description="Results per page (at most 100)."
            ),
        ],
        responses=inline_serializer(
            name="SearchPage",
            fields={
                "next": serializers.CharField(allow_null=True),
                "previous": serializers.CharField(allow_null=True),
                "results": inline_serializer(**RESULT_FIELDS, many=True),
            },
        ),
        description=(
            "Ranked: exact ID number or phone, exact name, name prefix, pinyin and initials, "
            "ID and phone tails, addresses, premises; current residents before those who "
            "moved out (found, with moved_out true). No total count; `next` is null on the "
            f"last page. At most {selectors.MAX_RESULTS} results are offered."
        ),
    )
    def list(self, request: Request) -> Response:
        page_size = max(1, min(_int(request, "page_size", DEFAULT_PAGE_SIZE), selectors.MAX_LIMIT))
        page = max(1, _int(request, "page", 1))
        result = selectors.search(
            user=request.user,
            q=request.query_params.get("q", ""),
            limit=page_size,
            offset=(page - 1) * page_size,
        )
        url = request.build_absolute_uri()
        previous: str | None = None
        if page > 1:
            previous = (
                remove_query_param(url, "page")
                if page == 2
                else replace_query_param(url, "page", page - 1)
            )
        return Response(
            {
                "next": replace_query_param(url, "page", page + 1) if result.has_more else None,
                "previous": previous,
                "results": [r.as_dict() for r in result.results],
            }
        )
