"""The mapped devices as a table, one row per device, updated cell by cell."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import DataTable

from .format import fmt_size

if TYPE_CHECKING:
    from ...engine.views import DeviceView, EngineView


COLUMNS = (("name", "Name"), ("devno", "Maj:Min"), ("targets", "Targets"), ("size", "Size"), ("state", "State"),
           ("open", "Open"), ("events", "Events"))


class DeviceTable(DataTable):
    """Mapped devices, one row per device keyed by name, updated cell by cell."""

    COMPONENT_CLASSES = DataTable.COMPONENT_CLASSES | {
        "device-table--active",
        "device-table--suspended",
        "device-table--devno",
    }

    def __init__(self, **kwargs):
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self._device_cells: dict[str, tuple[str, ...]] = {}

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            if key in ("open", "events"):
                self.add_column(Text(label, justify="right"), key=key)
            elif key == "state":  # room for "SUSPENDED +inactive", so rows do not jitter as states change
                self.add_column(label, key=key, width=len("SUSPENDED +inactive"))
            else:
                self.add_column(label, key=key)

    def _cells(self, dev: DeviceView) -> tuple[str, ...]:
        state = dev.state + (" +inactive" if dev.has_inactive else "")
        return (dev.name, dev.devno, dev.target_types, fmt_size(dev.size), state, str(dev.open_count),
                str(dev.event_nr))

    def _styled_cell(self, column: str, value: str, dev: DeviceView) -> Text:
        style = None
        if column == "state":
            style = "device-table--suspended" if dev.suspended else "device-table--active"
        elif column == "devno":
            style = "device-table--devno"
        if column in ("open", "events"):
            return Text(value, style=self.get_component_rich_style(style, partial=True) if style else "",
                        justify="right")
        return Text(value, style=self.get_component_rich_style(style, partial=True) if style else "")

    def update_devices(self, lab_view: EngineView, force: bool = False) -> bool:
        """Bring the rows in line with ``lab_view``; True if rows were added or removed."""
        if force:
            self._device_cells = {name: () for name in self._device_cells}
        devices = {dev.name: dev for dev in lab_view.devices}
        changed = False
        for name in list(self._device_cells):
            if name not in devices:
                self.remove_row(name)
                del self._device_cells[name]
                changed = True
        for name, dev in devices.items():
            cells = self._cells(dev)
            old = self._device_cells.get(name)
            if old is None:
                self.add_row(*(self._styled_cell(key, value, dev) for (key, _), value in zip(COLUMNS, cells,
                                                                                                strict=True)), key=name)
                changed = True
            elif old != cells:
                for (key, _), value, before in zip(COLUMNS, cells, old or (None,) * len(cells), strict=True):
                    if value != before:
                        self.update_cell(name, key, self._styled_cell(key, value, dev), update_width=key != "state")
            self._device_cells[name] = cells
        if changed:
            self.sort("name", key=lambda name: str(name))
        return changed

    def select_device(self, name: str) -> None:
        if name in self._device_cells:
            index = self.get_row_index(name)
            if index != self.cursor_row:
                self.move_cursor(row=index)

    @property
    def device_at_cursor(self) -> str | None:
        if not self.row_count:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:  # noqa: BLE001 - an empty or changing table
            return None
        return key.value
