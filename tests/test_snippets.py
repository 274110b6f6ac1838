"""The Markdown extraction the documentation tests rely on."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.snippets import python_blocks

DOC = """# Title

## Install

```bash
pip install x
```

## Quickstart

Some text.

```python
a = 1
```

```bash
pip install x
```

### Detail

```python
b = 2
```

```text
## Not a heading
```

## Next

```python
c = 3
```
"""


def test_blocks_of_a_section_include_subsections_and_stop_at_the_next_section(
    tmp_path: Path,
) -> None:
    path = tmp_path / "doc.md"
    path.write_text(DOC)

    assert python_blocks(path, "Quickstart") == ["a = 1\n", "b = 2\n"]
    assert python_blocks(path, "Next") == ["c = 3\n"]


def test_a_missing_section_or_one_without_python_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "doc.md"
    path.write_text(DOC)

    with pytest.raises(LookupError, match="no section"):
        python_blocks(path, "Uninstall")
    with pytest.raises(LookupError, match="no python"):
        python_blocks(path, "Install")
