"""Checks a USDZ the way Apple's tooling would, and reads it back.

Usage: check_usdz.py MODEL.usdz [REFERENCE_TEXTURE]

Prints one JSON object: Pixar's ARKit compliance verdict (errors, failed
checks, warnings), the package layout, the stage metadata, the composed
bounds, the triangle count, and for the first material: which
UsdPreviewSurface inputs are connected to which texture outputs, the base
colour texture's pixel hash, and the colour that texture shows at the
model's highest vertex (to prove the UV orientation). With
REFERENCE_TEXTURE, also that file's pixel hash.
"""

import hashlib
import io
import json
import sys
import zipfile

from PIL import Image
from pxr import Usd, UsdGeom, UsdShade, UsdUtils


def pixel_hash(data):
    image = Image.open(io.BytesIO(data)).convert("RGBA")
    return hashlib.sha256(image.tobytes()).hexdigest()


def main():
    path = sys.argv[1]
    checker = UsdUtils.ComplianceChecker(arkit=True)
    checker.CheckCompliance(path)

    with zipfile.ZipFile(path) as package:
        entries = package.infolist()
        files = {info.filename: package.read(info.filename) for info in entries}
        compressed = [info.filename for info in entries if info.compress_type != 0]

    stage = Usd.Stage.Open(path)
    triangles = 0
    highest = None
    for prim in stage.Traverse():
        if not prim.IsA(UsdGeom.Mesh):
            continue
        mesh = UsdGeom.Mesh(prim)
        counts = mesh.GetFaceVertexCountsAttr().Get()
        triangles += sum(1 for c in counts if c == 3)
        points = mesh.GetPointsAttr().Get()
        primvar = UsdGeom.PrimvarsAPI(prim).GetPrimvar("st")
        st = primvar.Get() if primvar else None
        if st is not None:
            top = max(range(len(points)), key=lambda i: points[i][1])
            if highest is None or points[top][1] > highest[0]:
                highest = (points[top][1], st[top])

    bounds = (
        UsdGeom.BBoxCache(Usd.TimeCode.Default(), [UsdGeom.Tokens.default_])
        .ComputeWorldBound(stage.GetPseudoRoot())
        .ComputeAlignedRange()
    )

    connections = {}
    base_color = None
    top_color = None
    material = next(
        (UsdShade.Material(p) for p in stage.Traverse() if p.IsA(UsdShade.Material)), None
    )
    if material:
        surface = material.ComputeSurfaceSource()[0]
        for shader_input in surface.GetInputs():
            source = shader_input.GetConnectedSource()
            if not source:
                continue
            node = UsdShade.Shader(source[0].GetPrim())
            node_file = node.GetInput("file")
            connections[shader_input.GetBaseName()] = {
                "output": source[1],
                "file": node_file.Get().path if node_file else None,
                "colorSpace": node.GetInput("sourceColorSpace").Get()
                if node.GetInput("sourceColorSpace")
                else None,
            }
        diffuse = connections.get("diffuseColor")
        if diffuse and diffuse["file"]:
            data = files[diffuse["file"]]
            base_color = pixel_hash(data)
            if highest is not None:
                image = Image.open(io.BytesIO(data)).convert("RGB")
                s, t = highest[1]
                x = min(int(s * image.width), image.width - 1)
                y = min(int((1 - t) * image.height), image.height - 1)
                top_color = list(image.getpixel((x, y)))

    report = {
        "errors": checker.GetErrors(),
        "failed": checker.GetFailedChecks(),
        "warnings": checker.GetWarnings(),
        "files": [info.filename for info in entries],
        "compressed": compressed,
        "upAxis": UsdGeom.GetStageUpAxis(stage),
        "metersPerUnit": UsdGeom.GetStageMetersPerUnit(stage),
        "min": list(bounds.GetMin()),
        "max": list(bounds.GetMax()),
        "triangles": triangles,
        "connections": connections,
        "base_color_hash": base_color,
        "top_color": top_color,
    }
    if len(sys.argv) > 2:
        with open(sys.argv[2], "rb") as reference:
            report["reference_hash"] = pixel_hash(reference.read())
    print(json.dumps(report))


main()
