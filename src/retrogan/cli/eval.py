from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from .console import esc, make_console


def evaluate(
    pred_dir: Path = typer.Argument(..., help="Folder of results, or one result image."),
    truth_dir: Path = typer.Argument(..., help="Folder of ground-truth images (matched by stem), or one image."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Also write the per-image and mean numbers here."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print the summary line only."),
) -> None:
    """Per-image and mean CIEDE2000, PSNR and SSIM of PRED_DIR against TRUTH_DIR (two folders, files matched by
    stem, or two image files). Missing or extra files are named and counted; the exit code is 1 when any file was
    missing, extra or unreadable."""
    from rich.table import Table

    from ..evaluate import evaluate_files, evaluate_folders

    console, err = make_console(stderr=False), make_console()
    files = pred_dir.is_file() and truth_dir.is_file()
    for d in (pred_dir, truth_dir):
        if not (d.is_dir() or files):
            what = "no such file or folder" if not d.exists() else "give two folders or two image files"
            err.print(f"[red]error:[/] {esc(d)}: {what}")
            raise typer.Exit(2)
    res = evaluate_files(pred_dir, truth_dir) if files else evaluate_folders(pred_dir, truth_dir)
    if not quiet:
        table = Table(title=f"{pred_dir} vs {truth_dir}")
        for col in ("image", "ΔE2000", "PSNR dB", "SSIM"):
            table.add_column(col, justify="right" if col != "image" else "left")
        for r in res["images"]:
            table.add_row(r["stem"], f"{r['delta_e']:.3f}", f"{r['psnr']:.2f}", f"{r['ssim']:.4f}")
        console.print(table)
    m = res["mean"]
    if m:
        console.print(f"mean over {res['count']} images: ΔE2000 {m['delta_e']:.3f}  PSNR {m['psnr']:.2f} dB  "
                      f"SSIM {m['ssim']:.4f}", highlight=False)
    for key, label in (("missing", "missing in PRED_DIR"), ("extra", "extra in PRED_DIR (no truth)"),
                       ("errors", "could not compare")):
        for item in res[key]:
            err.print(f"[yellow]{esc(label)}:[/] {esc(item)}", highlight=False)
    if json_out:
        json_out.write_text(json.dumps(res, indent=2))
    problems = len(res["missing"]) + len(res["extra"]) + len(res["errors"])
    if problems:
        err.print(f"{len(res['missing'])} missing, {len(res['extra'])} extra, {len(res['errors'])} errors",
                  highlight=False)
        raise typer.Exit(1)
