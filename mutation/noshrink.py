"""pytest plugin for the mutation run (`-p noshrink`): Hypothesis stops at the first failing
example instead of shrinking it (a mutant only needs to be caught, not explained)."""

from hypothesis import Phase, settings

settings.register_profile("mutation", phases=(Phase.explicit, Phase.reuse, Phase.generate))
settings.load_profile("mutation")
