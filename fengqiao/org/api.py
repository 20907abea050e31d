from rest_framework import serializers

from fengqiao.org.models import Assignment, Beat, Person, Unit
from fengqiao.org.permissions import SEE_FULL_PHONE
from fengqiao.privacy import mask_phone
from fengqiao.scoped_api import ReadOnlyModelSerializer, ScopedReadOnlyViewSet


class UnitSerializer(ReadOnlyModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    jurisdiction = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Unit
        fields = ["code", "name", "kind", "parent", "jurisdiction", "phone", "address"]


class UnitViewSet(ScopedReadOnlyViewSet):
    queryset = Unit.objects.select_related("parent", "jurisdiction")
    serializer_class = UnitSerializer
    lookup_field = "code"
    filterset_fields = ["kind"]


class BeatSerializer(ReadOnlyModelSerializer):
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    areas = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Beat
        fields = ["code", "name", "unit", "areas"]


class BeatViewSet(ScopedReadOnlyViewSet):
    queryset = Beat.objects.select_related("unit").prefetch_related("areas")
    serializer_class = BeatSerializer
    lookup_field = "code"


class PersonSerializer(ReadOnlyModelSerializer):
    roles = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    region = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    phone = serializers.SerializerMethodField(
        help_text="Masked (138****5678) unless the caller's role may see full numbers."
    )

    class Meta:
        model = Person
        fields = ["id", "name", "phone", "roles", "unit", "region", "active"]

    def get_phone(self, person: Person) -> str:
        user = self.context["request"].user
        return person.phone if user.has_perm(SEE_FULL_PHONE) else mask_phone(person.phone)


class PersonViewSet(ScopedReadOnlyViewSet):
    queryset = Person.objects.select_related("unit", "region").prefetch_related("roles")
    serializer_class = PersonSerializer
    filterset_fields = {"roles__code": ["exact"], "unit__code": ["exact"]}


class AssignmentSerializer(ReadOnlyModelSerializer):
    beat = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    region = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    building = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Assignment
        fields = ["id", "person", "duty", "beat", "region", "building", "starts_on", "ends_on"]


class AssignmentViewSet(ScopedReadOnlyViewSet):
    queryset = Assignment.objects.select_related("beat", "region", "building")
    serializer_class = AssignmentSerializer
    filterset_fields = ["duty", "person"]
