"""Console themes: YAML files, each turned into a textual.theme.Theme.

A theme file holds the fields of ``textual.theme.Theme`` (``name`` and
``primary`` are required) and an optional ``variables:`` mapping that sets
Textual's own variables and the console's ``dm-*`` colours listed in
``APP_VARIABLES``. Files are looked for in, in order: ``$DMCONSOLE_THEMES``
(a path list), the user's ``$XDG_CONFIG_HOME/dmconsole/themes``, the
package's ``dmconsole/data/themes`` and the repository's ``themes/`` folder;
the first file to define a name wins. A file that does not load is reported,
never fatal.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import yaml
from textual.theme import Theme

DEFAULT_THEME = "dmconsole-dark"

# The console's own colour variables, used as $dm-* in the .tcss; every theme may override them.
# These defaults serve Textual's built-in themes, which know nothing of them.
APP_VARIABLES: dict[str, str] = {
    "dm-active": "#4EBF71",
    "dm-suspended": "#ffa62b",
    "dm-failed": "#E5484D",
    "dm-disk": "#8A93A6",
    "dm-devno": "#7F8796",
    "dm-time": "#7F8796",
    "dm-event": "#5EA8F2",
    "dm-klog": "#9AA3B5",
    "dm-state": "#B8BFCC",
    "dm-prompt": "#5EA8F2",
    "dm-stderr": "#F2777A",
}

_FIELDS = {f.name for f in dataclasses.fields(Theme)}


class ThemeError(Exception):
    pass


def theme_dirs() -> list[Path]:
    """Where theme files are looked for, most specific first, without duplicates."""
    dirs: list[Path] = []
    for entry in os.environ.get("DMCONSOLE_THEMES", "").split(os.pathsep):
        if entry:
            dirs.append(Path(entry))
    config = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    dirs.append(Path(config) / "dmconsole" / "themes")
    here = Path(__file__).resolve().parent
    dirs.append(here.parent / "data" / "themes")
    dirs.append(here.parent.parent / "themes")
    unique: list[Path] = []
    seen: set[Path] = set()
    for folder in dirs:
        key = folder.resolve() if folder.exists() else folder
        if key not in seen:
            seen.add(key)
            unique.append(folder)
    return unique


def theme_from_data(data: object) -> Theme:
    """A Theme from a parsed YAML document; ThemeError says what is wrong."""
    if not isinstance(data, dict):
        raise ThemeError("a theme is a mapping of Theme fields")
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        raise ThemeError(f"unknown key(s): {', '.join(unknown)}")
    for key in ("name", "primary"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise ThemeError(f"`{key}` is required")
    variables = data.get("variables") or {}
    if not isinstance(variables, dict):
        raise ThemeError("`variables` must be a mapping")
    fields = dict(data)
    fields["variables"] = {str(k): str(v) for k, v in variables.items()}
    try:
        theme = Theme(**fields)
        theme.to_color_system()  # parses every colour now, not at the first repaint
    except Exception as exc:  # noqa: BLE001 - any bad value is the file's fault
        raise ThemeError(str(exc)) from None
    return theme


def load_theme_file(path: Path) -> Theme:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ThemeError(str(exc)) from None
    return theme_from_data(data)


def load_themes(dirs: list[Path] | None = None) -> tuple[dict[str, Theme], list[str]]:
    """Every theme found, by name, and a message for each file that did not load."""
    themes: dict[str, Theme] = {}
    errors: list[str] = []
    for folder in theme_dirs() if dirs is None else dirs:
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.suffix not in (".yaml", ".yml"):
                continue
            try:
                theme = load_theme_file(path)
            except ThemeError as exc:
                errors.append(f"{path}: {exc}")
                continue
            themes.setdefault(theme.name, theme)
    return themes, errors
