"""How a parsed chunk of a reply looks: padded code blocks, visible links, inert images, tables."""

from __future__ import annotations

from PySide6.QtGui import (
    QColor,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
    QTextFrameFormat,
    QTextLength,
    QTextTable,
)

from desktop.ui.chat.markdown_cuts import Fence
from desktop.ui.links import is_web_url

CODE_PADDING_X = 12
CODE_PADDING_Y = 8
CODE_GAP = 6
LINK_COLOR = QColor("#2457d6")
INLINE_CODE_BACKGROUND = QColor("#eef0f4")
INLINE_CODE_COLOR = QColor("#9a2c4c")
TABLE_BORDER = QColor("#d8dde3")
TABLE_HEADER_BACKGROUND = QColor("#f6f8fa")


def is_code_block(block_format: QTextBlockFormat) -> bool:
    return block_format.hasProperty(QTextFormat.Property.BlockCodeFence)


def polish(doc: QTextDocument, above: Fence | None, below: Fence | None) -> None:
    """Restyle a freshly parsed chunk: padded code blocks, visible links, images made into links,
    tables (a table going on from the chunk above without the header row written again for it).
    `above` and `below` are the code fence or table open where the chunk starts and ends."""
    tables = [frame for frame in doc.rootFrame().childFrames() if isinstance(frame, QTextTable)]
    if above is not None and above.is_table and tables:
        tables[0].removeRows(0, 1)
    continues_above = above is not None and not above.is_table
    continues_below = below is not None and not below.is_table
    images: list[tuple[int, int, QTextCharFormat]] = []
    spans: list[tuple[int, int, QTextCharFormat]] = []
    code: list[list[int]] = []  # [first, last] block numbers of each run of code lines
    block = doc.begin()
    while block.isValid():
        if is_code_block(block.blockFormat()):
            number = block.blockNumber()
            if code and code[-1][1] == number - 1:
                code[-1][1] = number
            else:
                code.append([number, number])
        else:
            it = block.begin()
            while not it.atEnd():
                fragment = it.fragment()
                fmt = fragment.charFormat()
                if fmt.isImageFormat():
                    images.append((fragment.position(), fragment.length(), fmt))
                elif fmt.isAnchor():
                    styled = QTextCharFormat()
                    styled.setForeground(LINK_COLOR)
                    spans.append((fragment.position(), fragment.length(), styled))
                elif fmt.fontFixedPitch():
                    styled = QTextCharFormat()
                    styled.setBackground(INLINE_CODE_BACKGROUND)
                    styled.setForeground(INLINE_CODE_COLOR)
                    spans.append((fragment.position(), fragment.length(), styled))
                it += 1
        block = block.next()

    above_table = above if above is not None and above.is_table else None
    below_table = below if below is not None and below.is_table else None
    for index, table in enumerate(tables):
        goes_on_from = above_table if index == 0 else None
        _style_table(table, goes_on_from, below_table if index == len(tables) - 1 else None)
    cursor = QTextCursor(doc)
    cursor.beginEditBlock()  # no layout of a (long) block for each move of the cursor
    last_block = doc.blockCount() - 1
    for first, last in code:
        for number in range(first, last + 1):
            target = doc.findBlockByNumber(number)
            block_format = target.blockFormat()
            # Wrap long lines: the view never scrolls sideways.
            block_format.setNonBreakableLines(False)
            block_format.setLeftMargin(CODE_PADDING_X)
            block_format.setRightMargin(CODE_PADDING_X)
            top = number == first and not (continues_above and number == 0)
            bottom = number == last and not (continues_below and number == last_block)
            block_format.setTopMargin(CODE_PADDING_Y + CODE_GAP if top else 0)
            block_format.setBottomMargin(CODE_PADDING_Y + CODE_GAP if bottom else 0)
            cursor.setPosition(target.position())
            cursor.setBlockFormat(block_format)
    for position, length, styled in spans:
        cursor.setPosition(position)
        cursor.setPosition(position + length, QTextCursor.MoveMode.KeepAnchor)
        cursor.mergeCharFormat(styled)
    # Images become a link to their address: nothing is fetched, the user may open it.
    for position, length, fmt in reversed(images):
        image = fmt.toImageFormat()
        alt = str(image.property(QTextFormat.Property.ImageAltText) or "").strip()
        replacement = QTextCharFormat()
        if is_web_url(image.name()):
            replacement.setAnchor(True)
            replacement.setAnchorHref(image.name())
            replacement.setForeground(LINK_COLOR)
            replacement.setFontUnderline(True)
        cursor.setPosition(position)
        cursor.setPosition(position + length, QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(f"[image: {alt or image.name()}]", replacement)
    cursor.endEditBlock()


def _style_table(table: QTextTable, goes_on_from: Fence | None, goes_on: Fence | None) -> None:
    """Borders and padding; a table cut for streaming (see `markdown_cuts`) takes its columns'
    widths from its fence, the same in every piece, and no margin where its pieces meet."""
    fmt = table.format()
    fmt.setBorder(1)
    fmt.setBorderBrush(TABLE_BORDER)
    fmt.setBorderStyle(QTextFrameFormat.BorderStyle.BorderStyle_Solid)
    fmt.setBorderCollapse(True)
    fmt.setCellSpacing(0)
    fmt.setCellPadding(6)
    fmt.setTopMargin(0 if goes_on_from else 4)
    fmt.setBottomMargin(0 if goes_on else 4)
    fence = goes_on_from or goes_on
    if fence is not None and len(fence.columns) == table.columns():
        percent = QTextLength.Type.PercentageLength
        fmt.setWidth(QTextLength(percent, 100))
        fmt.setColumnWidthConstraints([QTextLength(percent, share) for share in fence.columns])
    table.setFormat(fmt)
    if goes_on_from is not None:
        return  # its first row is a row of the table, not its header
    for column in range(table.columns()):
        cell = table.cellAt(0, column)
        cell_format = cell.format()
        cell_format.setBackground(TABLE_HEADER_BACKGROUND)
        cell.setFormat(cell_format)
