"""Merging the structure trees of tagged PDFs into one, so a packet stays a properly tagged PDF."""

from __future__ import annotations

import pikepdf
from pikepdf import Array, Dictionary, Name

from clinic_handouts.errors import HandoutError, Problem
from clinic_handouts.pdf.findings import Finding


class StructureMerger:
    """Merges the structure trees of tagged source PDFs into one Document element.

    Pages and link annotations point into the structure tree through
    /StructParents and /StructParent numbers; each source numbers them from
    0, so they are renumbered here and the parent tree rebuilt.
    """

    def __init__(self, out: pikepdf.Pdf) -> None:
        self.out = out
        self.document = out.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, K=Array()))
        self.nums = Array()
        self.next_key = 0
        self.dests: list[tuple[str, pikepdf.Object]] = []
        #: merged pages whose marked content the merged parent tree would not cover
        self.problems: list[Finding] = []

    def merge(
        self, source: pikepdf.Pdf, pages: list[pikepdf.Page], language: str | None, mcids: tuple[tuple[int, ...], ...]
    ) -> None:
        """Append a source's pages' tree; ``mcids``: each page's MCIDs, to check the merged parent tree covers them."""
        root = source.Root.get("/StructTreeRoot")
        if root is None:
            raise HandoutError(Problem("a handout PDF has no structure tree; cannot build a tagged packet"))
        offset = self.next_key
        # One copy of the whole (indirect) parent tree is far cheaper than copying its entries one by one.
        parent_tree = self._copy(root.ParentTree).Nums
        for index in range(0, len(parent_tree), 2):
            key = int(parent_tree[index])
            self.nums.append(offset + key)
            self.nums.append(parent_tree[index + 1])
            self.next_key = max(self.next_key, offset + key + 1)
        for page in pages:
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + offset
            for annotation in page.obj.get("/Annots", []):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + offset
        merged = dict(zip(self.nums[::2], self.nums[1::2], strict=True))
        for page, page_mcids in zip(pages, mcids, strict=True):
            entry = merged.get(int(page.obj.get("/StructParents", -1)))  # type: ignore[call-overload]
            if page_mcids and not (
                isinstance(entry, Array)
                and max(page_mcids) < len(entry)
                and all(isinstance(entry[m], Dictionary) for m in page_mcids)
            ):
                self.problems.append(Finding(f"merged page {page.index + 1}", "marked content left out of the tree"))
        for source_document in root.K if isinstance(root.K, Array) else [root.K]:
            for copied in self._copy(source_document).K:
                copied.P = self.document
                if language:
                    copied.Lang = pikepdf.String(language)
                self.document.K.append(copied)
        names = source.Root.get("/Names", Dictionary()).get("/Dests", Dictionary()).get("/Names", Array())
        for index in range(0, len(names), 2):
            self.dests.append((str(names[index]), self._copy(names[index + 1])))

    def _copy(self, value: pikepdf.Object) -> pikepdf.Object:
        """Copy a value from a source PDF, direct containers included (copy_foreign takes indirect ones)."""
        if isinstance(value, pikepdf.Object) and value.is_indirect:
            return self.out.copy_foreign(value)
        if isinstance(value, Array):
            return Array([self._copy(item) for item in value])
        if isinstance(value, Dictionary):
            return Dictionary({key: self._copy(item) for key, item in value.items()})
        return value

    def finish(self) -> None:
        tree_root = self.out.make_indirect(
            Dictionary(
                Type=Name.StructTreeRoot,
                K=Array([self.document]),
                ParentTree=self.out.make_indirect(Dictionary(Nums=self.nums)),
                ParentTreeNextKey=self.next_key,
            )
        )
        self.document.P = tree_root
        self.out.Root.StructTreeRoot = tree_root
        if self.dests:
            flat = Array()
            for name, dest in sorted(self.dests, key=lambda pair: pair[0]):
                flat.append(pikepdf.String(name))
                flat.append(dest)
            self.out.Root.Names = Dictionary(Dests=Dictionary(Names=flat))
