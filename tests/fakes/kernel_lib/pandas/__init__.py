"""A stand-in for pandas in the fake workbench: `read_csv`, columns, sums, `describe`, `head`.

Enough for the analyses an agent writes first (read a CSV, summarise it, total a column, group
and sum), printed as pandas prints them. Values are plain Python lists; numbers are inferred per
column as pandas does for a simple CSV (all ints, else all floats, else text).
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

__version__ = "0.0+fake-workbench"


def _infer(texts: list[str]) -> list[Any]:
    for kind in (int, float):
        try:
            return [kind(text) for text in texts]
        except ValueError:
            continue
    return texts


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _cells(values: Sequence[Any]) -> list[str]:
    """A column's values as pandas prints them: floats with one number of decimals."""
    floats = [v for v in values if isinstance(v, float)]
    if not floats:
        return [str(v) for v in values]
    whole = all(math.isfinite(v) and v == int(v) for v in floats)
    style = "{:.1f}" if whole else "{:.6f}"
    return [style.format(v) if isinstance(v, float) else str(v) for v in values]


def _dtype(values: Sequence[Any]) -> str:
    if values and all(isinstance(v, int) for v in values):
        return "int64"
    if values and all(_is_number(v) for v in values):
        return "float64"
    return "object"


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _table(index: Sequence[object], columns: dict[str, list[str]]) -> str:
    labels = [str(i) for i in index]
    label_width = max((len(label) for label in labels), default=0)
    widths = {
        name: max([len(name), *(len(cell) for cell in cells)]) for name, cells in columns.items()
    }
    header = " " * label_width + "".join(f"  {name:>{widths[name]}}" for name in columns)
    lines = [header]
    for row, label in enumerate(labels):
        cells = "".join(f"  {columns[name][row]:>{widths[name]}}" for name in columns)
        lines.append(f"{label:<{label_width}}{cells}")
    return "\n".join(lines)


class Series:
    """One column: values with an index and a name."""

    def __init__(self, values: Iterable[Any], index: Iterable[Any] | None = None, name: Any = None):
        self.values = list(values)
        self.index = list(index) if index is not None else list(range(len(self.values)))
        self.name = name

    def __len__(self) -> int:
        return len(self.values)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.values)

    def __getitem__(self, key: Any) -> Any:
        return self.values[self.index.index(key)]

    def _numbers(self) -> list[float]:
        return [v for v in self.values if _is_number(v)]

    def _combine(self, other: object, op: Callable[[Any, Any], Any]) -> Series:
        others = other.values if isinstance(other, Series) else [other] * len(self.values)
        return Series(
            [op(a, b) for a, b in zip(self.values, others, strict=False)], self.index, self.name
        )

    def __add__(self, other: object) -> Series:
        return self._combine(other, lambda a, b: a + b)

    def __sub__(self, other: object) -> Series:
        return self._combine(other, lambda a, b: a - b)

    def __mul__(self, other: object) -> Series:
        return self._combine(other, lambda a, b: a * b)

    def __truediv__(self, other: object) -> Series:
        return self._combine(other, lambda a, b: a / b)

    def sum(self) -> Any:
        return sum(self._numbers())

    def mean(self) -> float:
        numbers = self._numbers()
        return sum(numbers) / len(numbers) if numbers else math.nan

    def std(self) -> float:
        numbers = self._numbers()
        if len(numbers) < 2:
            return math.nan
        mean = self.mean()
        return math.sqrt(sum((v - mean) ** 2 for v in numbers) / (len(numbers) - 1))

    def median(self) -> float:
        return _quantile(self._numbers(), 0.5)

    def min(self) -> Any:
        return min(self.values)

    def max(self) -> Any:
        return max(self.values)

    def count(self) -> int:
        return len(self.values)

    def idxmax(self) -> Any:
        return self.index[self.values.index(self.max())]

    def idxmin(self) -> Any:
        return self.index[self.values.index(self.min())]

    def tolist(self) -> list[Any]:
        return list(self.values)

    def items(self) -> Iterator[tuple[Any, Any]]:
        return iter(zip(self.index, self.values, strict=False))

    def unique(self) -> list[Any]:
        return list(dict.fromkeys(self.values))

    def head(self, n: int = 5) -> Series:
        return Series(self.values[:n], self.index[:n], self.name)

    def sort_values(self, ascending: bool = True) -> Series:
        pairs = sorted(self.items(), key=lambda pair: pair[1], reverse=not ascending)
        return Series([v for _, v in pairs], [i for i, _ in pairs], self.name)

    def round(self, digits: int = 0) -> Series:
        return Series([round(v, digits) for v in self.values], self.index, self.name)

    def describe(self) -> Series:
        numbers = [float(v) for v in self._numbers()]
        stats = _describe(numbers)
        return Series(list(stats.values()), list(stats), self.name)

    def to_string(self) -> str:
        cells = {"": _cells(self.values)}
        body = "\n".join(line for line in _table(self.index, cells).splitlines()[1:])
        return body

    def __repr__(self) -> str:
        footer = f"Name: {self.name}, dtype: {_dtype(self.values)}"
        return f"{self.to_string()}\n{footer}" if self.values else footer


def _describe(numbers: list[float]) -> dict[str, float]:
    series = Series(numbers)
    return {
        "count": float(len(numbers)),
        "mean": series.mean(),
        "std": series.std(),
        "min": min(numbers) if numbers else math.nan,
        "25%": _quantile(numbers, 0.25) if numbers else math.nan,
        "50%": _quantile(numbers, 0.5) if numbers else math.nan,
        "75%": _quantile(numbers, 0.75) if numbers else math.nan,
        "max": max(numbers) if numbers else math.nan,
    }


class _GroupBy:
    def __init__(self, frame: DataFrame, key: str, column: str | None = None) -> None:
        self._frame, self._key, self._column = frame, key, column

    def __getitem__(self, column: str) -> _GroupBy:
        return _GroupBy(self._frame, self._key, column)

    def _apply(self, name: str) -> Series | DataFrame:
        groups: dict[Any, list[int]] = {}
        for row, value in enumerate(self._frame[self._key].values):
            groups.setdefault(value, []).append(row)
        keys = sorted(groups, key=str)
        columns = [self._column] if self._column else self._frame._numeric_columns(self._key)
        data = {
            column: [
                getattr(Series([self._frame.data[column][r] for r in groups[k]]), name)()
                for k in keys
            ]
            for column in columns
        }
        if self._column:
            return Series(data[self._column], keys, self._column)
        return DataFrame(data, index=keys)

    def sum(self) -> Series | DataFrame:
        return self._apply("sum")

    def mean(self) -> Series | DataFrame:
        return self._apply("mean")

    def count(self) -> Series | DataFrame:
        return self._apply("count")

    def max(self) -> Series | DataFrame:
        return self._apply("max")

    def min(self) -> Series | DataFrame:
        return self._apply("min")


class DataFrame:
    """Columns of equal length, by name, with a row index."""

    def __init__(self, data: Any = None, index: Iterable[Any] | None = None) -> None:
        if isinstance(data, list):  # a list of records
            names = list(dict.fromkeys(k for record in data for k in record))
            data = {n: [record.get(n) for record in data] for n in names}
        self.data: dict[str, list[Any]] = {str(k): list(v) for k, v in (data or {}).items()}
        rows = len(next(iter(self.data.values()), []))
        self.index = list(index) if index is not None else list(range(rows))

    @property
    def columns(self) -> Series:
        return Series(list(self.data))

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.index), len(self.data))

    @property
    def dtypes(self) -> Series:
        return Series([_dtype(v) for v in self.data.values()], list(self.data))

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, list):
            return DataFrame({k: self.data[k] for k in key}, self.index)
        return Series(self.data[key], self.index, key)

    def __setitem__(self, key: str, value: Any) -> None:
        values = value.values if isinstance(value, Series) else value
        if not isinstance(values, list):
            values = [values] * len(self.index)
        self.data[key] = list(values)

    def _numeric_columns(self, *skip: str) -> list[str]:
        return [
            name
            for name, values in self.data.items()
            if name not in skip and values and all(_is_number(v) for v in values)
        ]

    def _rows(self, rows: Sequence[int]) -> DataFrame:
        return DataFrame(
            {k: [v[r] for r in rows] for k, v in self.data.items()}, [self.index[r] for r in rows]
        )

    def head(self, n: int = 5) -> DataFrame:
        return self._rows(range(min(n, len(self.index))))

    def tail(self, n: int = 5) -> DataFrame:
        return self._rows(range(max(0, len(self.index) - n), len(self.index)))

    def describe(self) -> DataFrame:
        stats = {
            name: _describe([float(v) for v in self.data[name]]) for name in self._numeric_columns()
        }
        labels = list(_describe([1.0]))
        return DataFrame({name: list(s.values()) for name, s in stats.items()}, labels)

    def sum(self, numeric_only: bool = True) -> Series:
        names = self._numeric_columns()
        return Series([sum(self.data[n]) for n in names], names)

    def mean(self, numeric_only: bool = True) -> Series:
        names = self._numeric_columns()
        return Series([self[n].mean() for n in names], names)

    def groupby(self, key: str) -> _GroupBy:
        return _GroupBy(self, key)

    def sort_values(self, by: str, ascending: bool = True) -> DataFrame:
        order = sorted(
            range(len(self.index)), key=lambda r: self.data[by][r], reverse=not ascending
        )
        return self._rows(order)

    def iterrows(self) -> Iterator[tuple[Any, Series]]:
        for row, label in enumerate(self.index):
            yield label, Series([v[row] for v in self.data.values()], list(self.data), label)

    def to_csv(self, path: Any = None, index: bool = True) -> str | None:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(([""] if index else []) + list(self.data))
        for row, label in enumerate(self.index):
            writer.writerow(([label] if index else []) + [v[row] for v in self.data.values()])
        if path is None:
            return buffer.getvalue()
        with open(os.fspath(path), "w", encoding="utf-8", newline="") as handle:
            handle.write(buffer.getvalue())
        return None

    def to_string(self) -> str:
        cells = {name: _cells(values) for name, values in self.data.items()}
        return _table(self.index, cells)

    def __repr__(self) -> str:
        return self.to_string()

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{name}</th>" for name in self.data)
        columns = [_cells(values) for values in self.data.values()]
        rows = "".join(
            f"<tr><th>{label}</th>" + "".join(f"<td>{c[r]}</td>" for c in columns) + "</tr>"
            for r, label in enumerate(self.index)
        )
        return f'<table class="dataframe"><tr><th></th>{head}</tr>{rows}</table>'


def read_csv(source: Any, **_: Any) -> DataFrame:
    """A CSV file (a path or an open text file) with a header row."""
    if hasattr(source, "read"):
        text = source.read()
    else:
        with open(os.fspath(source), encoding="utf-8", newline="") as handle:
            text = handle.read()
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ValueError("No columns to parse from file")
    header, body = rows[0], rows[1:]
    return DataFrame({name: _infer([row[i] for row in body]) for i, name in enumerate(header)})
