//! A glTF metallic-roughness material as a `UsdPreviewSurface` network.
//!
//! - Base colour: a `UsdUVTexture` in sRGB feeding `diffuseColor`, with the
//!   glTF factor as the texture's `scale`; its alpha feeds `opacity` for
//!   blended and masked materials (`opacityThreshold` is the mask cutoff).
//! - Metallic-roughness: glTF packs roughness in G and metallic in B, so one
//!   raw `UsdUVTexture` feeds `roughness` from `outputs:g` and `metallic`
//!   from `outputs:b`, with the factors in `scale`.
//! - Normal map: raw, scaled from 0..1 to -1..1 as the USD specification
//!   asks (`scale` 2, `bias` -1), with glTF's normal scale on X and Y.
//! - Vertex colours (no base colour texture): a primvar reader of
//!   `displayColor`, whose values already carry the factor.

use std::fmt::Write;

use super::values::{ROOT, number, tuple};
use crate::model::{AlphaMode, Material, TextureRef, Wrap};

/// Factor values are exact enough at 1/10 000.
const FACTOR_STEPS: f64 = 1e4;

pub(super) fn name(index: usize) -> String {
    format!("Material{index}")
}

/// One texture-reading node.
struct TextureNode<'a> {
    name: &'static str,
    file: &'a str,
    texture: TextureRef,
    /// `sRGB` for colour, `raw` for data.
    color_space: &'static str,
    scale: Option<[f32; 4]>,
    bias: Option<[f32; 4]>,
    /// Declared outputs: (type, name).
    outputs: Vec<(&'static str, &'static str)>,
}

/// Writes `Material{index}` into the open `Materials` scope.
pub(super) fn write(
    out: &mut String,
    index: usize,
    material: &Material,
    vertex_colors: bool,
    texture_files: &[String],
) {
    let path = format!("/{ROOT}/Materials/{}", name(index));
    let connect = |node: &str, output: &str| format!(".connect = <{path}/{node}.outputs:{output}>");
    let mut inputs: Vec<String> = Vec::new();
    let mut textures: Vec<TextureNode<'_>> = Vec::new();
    let file = |texture: TextureRef| texture_files[texture.image].as_str();
    let [r, g, b, a] = material.base_color;
    let uses_alpha = material.alpha != AlphaMode::Opaque;

    match material.base_color_texture {
        Some(texture) => {
            inputs.push(format!(
                "color3f inputs:diffuseColor{}",
                connect("BaseColor", "rgb")
            ));
            let mut outputs = vec![("float3", "rgb")];
            if uses_alpha {
                inputs.push(format!("float inputs:opacity{}", connect("BaseColor", "a")));
                outputs.push(("float", "a"));
            }
            textures.push(TextureNode {
                name: "BaseColor",
                file: file(texture),
                texture,
                color_space: "sRGB",
                scale: (material.base_color != [1.0; 4]).then_some(material.base_color),
                bias: None,
                outputs,
            });
        }
        None if vertex_colors => {
            inputs.push(format!(
                "color3f inputs:diffuseColor{}",
                connect("VertexColor", "result")
            ));
        }
        None => inputs.push(format!(
            "color3f inputs:diffuseColor = {}",
            values(&[r, g, b])
        )),
    }
    if uses_alpha && material.base_color_texture.is_none() {
        inputs.push(format!("float inputs:opacity = {}", values(&[a])));
    }
    if let AlphaMode::Mask(cutoff) = material.alpha {
        inputs.push(format!(
            "float inputs:opacityThreshold = {}",
            values(&[cutoff])
        ));
    }

    match material.metallic_roughness_texture {
        Some(texture) => {
            inputs.push(format!(
                "float inputs:metallic{}",
                connect("MetallicRoughness", "b")
            ));
            inputs.push(format!(
                "float inputs:roughness{}",
                connect("MetallicRoughness", "g")
            ));
            let factors = [1.0, material.roughness, material.metallic, 1.0];
            textures.push(TextureNode {
                name: "MetallicRoughness",
                file: file(texture),
                texture,
                color_space: "raw",
                scale: (factors != [1.0; 4]).then_some(factors),
                bias: None,
                outputs: vec![("float", "g"), ("float", "b")],
            });
        }
        None => {
            inputs.push(format!(
                "float inputs:metallic = {}",
                values(&[material.metallic])
            ));
            inputs.push(format!(
                "float inputs:roughness = {}",
                values(&[material.roughness])
            ));
        }
    }

    if let Some(texture) = material.normal_texture {
        inputs.push(format!(
            "normal3f inputs:normal{}",
            connect("Normal", "rgb")
        ));
        let s = material.normal_scale;
        textures.push(TextureNode {
            name: "Normal",
            file: file(texture),
            texture,
            color_space: "raw",
            scale: Some([2.0 * s, 2.0 * s, 2.0, 1.0]),
            bias: Some([-s, -s, -1.0, 0.0]),
            outputs: vec![("float3", "rgb")],
        });
    }

    let _ = write!(
        out,
        "        def Material \"{}\"\n        {{\n            token outputs:surface{}\n\n",
        name(index),
        connect("Surface", "surface")
    );
    out.push_str("            def Shader \"Surface\"\n            {\n");
    out.push_str("                uniform token info:id = \"UsdPreviewSurface\"\n");
    for input in &inputs {
        let _ = writeln!(out, "                {input}");
    }
    out.push_str("                int inputs:useSpecularWorkflow = 0\n");
    out.push_str("                token outputs:surface\n            }\n");

    if !textures.is_empty() {
        out.push_str(concat!(
            "\n            def Shader \"UV\"\n            {\n",
            "                uniform token info:id = \"UsdPrimvarReader_float2\"\n",
            "                string inputs:varname = \"st\"\n",
            "                float2 outputs:result\n            }\n",
        ));
    }
    for node in &textures {
        texture_node(out, &path, node);
    }
    if vertex_colors && material.base_color_texture.is_none() {
        out.push_str("\n            def Shader \"VertexColor\"\n            {\n");
        out.push_str("                uniform token info:id = \"UsdPrimvarReader_float3\"\n");
        let _ = writeln!(
            out,
            "                float3 inputs:fallback = {}",
            values(&[r, g, b])
        );
        out.push_str("                string inputs:varname = \"displayColor\"\n");
        out.push_str("                float3 outputs:result\n            }\n");
    }
    out.push_str("        }\n");
}

fn texture_node(out: &mut String, material_path: &str, node: &TextureNode<'_>) {
    let _ = write!(
        out,
        "\n            def Shader \"{}\"\n            {{\n                uniform token info:id = \"UsdUVTexture\"\n",
        node.name
    );
    if let Some(bias) = node.bias {
        let _ = writeln!(
            out,
            "                float4 inputs:bias = {}",
            values(&bias)
        );
    }
    let _ = writeln!(out, "                asset inputs:file = @{}@", node.file);
    if let Some(scale) = node.scale {
        let _ = writeln!(
            out,
            "                float4 inputs:scale = {}",
            values(&scale)
        );
    }
    let _ = writeln!(
        out,
        "                token inputs:sourceColorSpace = \"{}\"",
        node.color_space
    );
    let _ = writeln!(
        out,
        "                float2 inputs:st.connect = <{material_path}/UV.outputs:result>"
    );
    for (axis, wrap) in ["S", "T"].into_iter().zip(node.texture.wrap) {
        let _ = writeln!(
            out,
            "                token inputs:wrap{axis} = \"{}\"",
            wrap_token(wrap)
        );
    }
    for (kind, output) in &node.outputs {
        let _ = writeln!(out, "                {kind} outputs:{output}");
    }
    out.push_str("            }\n");
}

fn wrap_token(wrap: Wrap) -> &'static str {
    match wrap {
        Wrap::Repeat => "repeat",
        Wrap::Clamp => "clamp",
        Wrap::Mirror => "mirror",
    }
}

/// One number, or a tuple of several, as USDA.
fn values(values: &[f32]) -> String {
    let mut text = String::new();
    match values {
        [single] => number(&mut text, *single, FACTOR_STEPS),
        several => tuple(&mut text, several, FACTOR_STEPS),
    }
    text
}
