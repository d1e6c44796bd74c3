"""Hypothesis profiles: the default runs 300 examples a property; mutation runs (mutmut, which
runs the covering tests once per mutant) pass --hypothesis-profile=mutation for 40."""
from hypothesis import settings

settings.register_profile("default", max_examples=300)
settings.register_profile("mutation", max_examples=40)
settings.load_profile("default")
