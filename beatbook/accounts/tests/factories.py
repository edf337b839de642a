from __future__ import annotations

import factory

from beatbook.accounts.models import Role, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.OFFICER
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def beats(self, create: bool, extracted: list | None, **kwargs: object) -> None:
        if create and extracted:
            self.beats.set(extracted)

    @factory.post_generation
    def communities(self, create: bool, extracted: list | None, **kwargs: object) -> None:
        if create and extracted:
            self.communities.set(extracted)

    @factory.post_generation
    def head_of_buildings(self, create: bool, extracted: list | None, **kwargs: object) -> None:
        if create and extracted:
            self.head_of_buildings.set(extracted)
        self.save()
