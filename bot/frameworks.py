"""Keep the machine-learning frameworks a process never uses out of it.

spaCy's thinc offers TensorFlow and PyTorch as back-ends and bm25s uses JAX for its top-k when it
finds it: both import them when they are installed (they are, for Rasa's own components), which
costs the action server and the staff page seconds at start-up and about 140 MB each, for a
tokenizer, stop-word lists and a BM25 index that never use them. `leave_out()` makes their import
fail (as if they were not installed), so thinc and bm25s take their plain-NumPy paths.

For processes without Rasa's machine-learning components: the action server, the staff and web chat
pages, and the Rasa server once the Rasa modules that import TensorFlow are replaced (bot.rasa_patches,
change 'tensorflow'); training keeps them. Call it first thing in the process's entry point.
Elsewhere (the tests, the tools) `left_out_while()` keeps them out of one import only.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Iterator

#: Frameworks only Rasa's own machine-learning components use.
UNUSED = ("tensorflow", "jax", "jaxlib", "torch")


def leave_out(names: tuple[str, ...] = UNUSED) -> tuple[str, ...]:
    """Make `import <name>` fail in this process for each of `names` not imported yet; returns them."""
    left_out = tuple(name for name in names if name not in sys.modules)
    for name in left_out:
        sys.modules[name] = None  # type: ignore[assignment]  # import raises ModuleNotFoundError
    return left_out


@contextmanager
def left_out_while(names: tuple[str, ...] = UNUSED) -> Iterator[None]:
    """`leave_out` for the duration of a block (an import): importable again afterwards, unless
    left out already for the whole process."""
    left_out = leave_out(names)
    try:
        yield
    finally:
        for name in left_out:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]
