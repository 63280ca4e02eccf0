"""What a terminal shows at the end of a live display's output: its lines as a person
reads them, the lines a redraw erased gone (rich moves the cursor up over its region and
erases it at every frame, so a region drawn from an older frame and then redrawn is not
on the screen, though it is in the output)."""

from __future__ import annotations

import re

__all__ = ["shown"]

#: a control sequence: CSI, its parameters, its final letter
_CSI = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])")


def shown(output: str) -> list[str]:
    """The lines ``output`` leaves on a terminal (scrollback included), for the sequences
    rich's live display writes: carriage return, line feed, cursor up (``A``) and erase
    in line (``K``); colours and the cursor's visibility change nothing shown."""
    lines, row, col = [""], 0, 0
    at = 0
    for match in [*_CSI.finditer(output), None]:
        text = output[at : match.start() if match else len(output)]
        for char in text:
            if char == "\n":
                row, col = row + 1, 0
                lines += [""] * (row + 1 - len(lines))
            elif char == "\r":
                col = 0
            else:
                line = lines[row].ljust(col)
                lines[row], col = line[:col] + char + line[col + 1 :], col + 1
        if match is None:
            break
        at = match.end()
        count = int(match[1]) if match[1].isdigit() else 1
        if match[2] == "A":
            row = max(0, row - count)
        elif match[2] == "K":
            lines[row] = lines[row][:col] if match[1] in ("", "0") else ""
    return [line.rstrip() for line in lines]
