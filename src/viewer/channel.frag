// Shows the base colour, one material channel as grey levels, or a UV
// checker. The defines prepended by ChannelMaterial pick the channel and
// whether a texture and UVs exist, so a mesh without UVs never references
// `uvs` (a link error). ChannelMaterial also prepends `color_mapping` and
// `srgb_to_linear`.

layout (location = 0) out vec4 outColor;

#ifdef USE_UVS
in vec2 uvs;
#endif
// Vertex colour (linear), or white.
in vec4 col;

#ifdef USE_TEXTURE
uniform sampler2D tex;
uniform mat3 textureTransformation;
#endif

uniform vec4 factor;

// Squares per UV unit: fine enough to see stretching on a 2048² atlas
// island, coarse enough to stay readable at full view.
const float CHECKS = 32.0;

void main()
{
#ifdef CHANNEL_CHECKER
#ifdef USE_UVS
    vec2 cell = floor(uvs * CHECKS);
    float light = mod(cell.x + cell.y, 2.0);
    vec3 checker = mix(vec3(0.12), vec3(0.92), light);
    // Tinting by position in the atlas shows where islands come from.
    outColor = vec4(mix(checker, vec3(fract(uvs), 0.6), 0.35), 1.0);
#else
    // Magenta is the usual "missing" colour: this mesh has no UVs.
    outColor = vec4(1.0, 0.0, 1.0, 1.0);
#endif
#elif defined(CHANNEL_BASE_COLOR)
    // Linear factor × decoded texel × linear vertex colour, encoded once:
    // a texture shows exactly as the file stores it.
    vec4 color = factor * col;
#ifdef USE_TEXTURE
    color *= srgb_to_linear(texture(tex, (textureTransformation * vec3(uvs, 1.0)).xy));
#endif
    outColor = vec4(color_mapping(color.rgb), 1.0);
#else
    float value = factor.x;
#ifdef USE_TEXTURE
    vec4 texel = texture(tex, (textureTransformation * vec3(uvs, 1.0)).xy);
#if defined(CHANNEL_METALLIC)
    value *= texel.b;
#elif defined(CHANNEL_ROUGHNESS)
    value *= texel.g;
#else
    value *= texel.a;
#endif
#endif
#ifdef CHANNEL_ALPHA
    value *= col.a;
#endif
    // Data channels are shown raw (no tone mapping, no encoding): 0.5 is
    // mid grey, as in an image editor.
    outColor = vec4(vec3(value), 1.0);
#endif
}
