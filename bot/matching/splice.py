"""A few rows of a CSR matrix (and the same columns of its transpose) replaced by copying.

A pool's text vectors are held in two CSR layouts: mentors x features and features x
mentors. A mentor's edit replaces one row of the first and one column of the second.
Adding a (new - old) delta matrix would merge every stored entry (about 60 ms per layout
at 50,000 mentors); here the untouched stretches of `indices` and `data` are copied as
they are, one `np.concatenate` per array, and only the few places that change are looked
up. The result is exactly what a fresh build would hold: the new entries are the encoded
values themselves, in column order, nothing summed.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

# (start, stop, indices, data): old entries [start, stop) give way to these, in order.
_Edit = tuple[int, int, np.ndarray, np.ndarray]
# Past this many changed rows, re-deriving the transpose is cheaper than the look-ups.
TRANSPOSE_FROM = 64


def canonical(matrix: sp.spmatrix, dtype: np.dtype) -> sp.csr_matrix:
    """CSR with sorted column indices per row and no duplicates, as the layouts keep it."""
    out = sp.csr_matrix(matrix, dtype=dtype)
    out.sum_duplicates()  # also sorts the indices
    return out


def replace_rows(matrix: sp.csr_matrix, rows: np.ndarray, new: sp.csr_matrix) -> sp.csr_matrix:
    """`matrix` with `rows` (ascending, distinct) replaced by the rows of `new` (canonical)."""
    indptr = matrix.indptr
    edits: list[_Edit] = [
        (
            int(indptr[j]),
            int(indptr[j + 1]),
            new.indices[new.indptr[n] : new.indptr[n + 1]],
            new.data[new.indptr[n] : new.indptr[n + 1]],
        )
        for n, j in enumerate(rows.tolist())
    ]
    grown = np.zeros(matrix.shape[0], dtype=np.int64)
    grown[rows] = np.diff(new.indptr) - (indptr[rows + 1] - indptr[rows])
    return _spliced(matrix, edits, grown)


def replace_columns(
    matrix: sp.csr_matrix, cols: np.ndarray, old: sp.csr_matrix, new: sp.csr_matrix
) -> sp.csr_matrix:
    """`matrix` (features x items, canonical) with columns `cols` (ascending, distinct)
    replaced: `old` and `new` hold those columns as rows (items x features), before and
    after. The rows a column has entries in are the features of its old and new row, so
    only those rows are searched."""
    if len(cols) > TRANSPOSE_FROM:
        return canonical(replace_rows(matrix.T.tocsr(), cols, new).T, matrix.dtype)
    indptr, indices = matrix.indptr, matrix.indices
    edits: list[tuple[int, int, int, _Edit]] = []
    grown = np.zeros(matrix.shape[0], dtype=np.int64)
    none = np.zeros(0, dtype=indices.dtype)
    for n, col in enumerate(cols.tolist()):
        had = set(old.indices[old.indptr[n] : old.indptr[n + 1]].tolist())
        values = dict(
            zip(
                new.indices[new.indptr[n] : new.indptr[n + 1]].tolist(),
                new.data[new.indptr[n] : new.indptr[n + 1]],
                strict=True,
            )
        )
        for feature in sorted(had | values.keys()):
            start, stop = int(indptr[feature]), int(indptr[feature + 1])
            at = start + int(np.searchsorted(indices[start:stop], col))
            drop = 1 if feature in had else 0
            put = (
                (np.array([col], dtype=indices.dtype), np.array([values[feature]]))
                if feature in values
                else (none, none.astype(matrix.dtype))
            )
            grown[feature] += len(put[0]) - drop
            edits.append((at, feature, col, (at, at + drop, *put)))
    # Edits may meet at one position: an empty row's and the next row's, or several
    # columns put before the same old entry. Rows in order, then columns, as stored.
    edits.sort(key=lambda edit: edit[:3])
    return _spliced(matrix, [edit for *_, edit in edits], grown)


def _spliced(matrix: sp.csr_matrix, edits: list[_Edit], grown: np.ndarray) -> sp.csr_matrix:
    """`matrix` with the edits (sorted, not overlapping) applied; `grown`: entries gained
    per row."""
    pieces_i, pieces_d, at = [], [], 0
    for start, stop, indices, data in edits:
        pieces_i += [matrix.indices[at:start], indices]
        pieces_d += [matrix.data[at:start], data]
        at = stop
    pieces_i.append(matrix.indices[at:])
    pieces_d.append(matrix.data[at:])
    indptr = matrix.indptr + np.concatenate(([0], np.cumsum(grown)))
    out = sp.csr_matrix(
        (
            np.concatenate(pieces_d).astype(matrix.dtype, copy=False),
            np.concatenate(pieces_i).astype(matrix.indices.dtype, copy=False),
            indptr.astype(matrix.indptr.dtype, copy=False),
        ),
        shape=matrix.shape,
    )
    out.has_sorted_indices = True  # each edit keeps its row's columns in order
    return out
