// The shaded mode: glTF metallic-roughness PBR under the studio lights.
// Colour textures hold the file's sRGB-encoded texels and are decoded here,
// once; factors arrive linear; lighting runs in linear light; and
// `color_mapping` encodes the result to sRGB, once. SurfaceMaterial
// prepends three-d's `calculate_lighting`, tone and colour mapping,
// `srgb_to_linear`, and a define per texture the material has.

uniform vec3 cameraPosition;
uniform vec4 albedo;
uniform float metallic;
uniform float roughness;
uniform vec4 emissive;

#ifdef ALPHA_CUTOFF
uniform float alphaCutoff;
#endif
#ifdef USE_ALBEDO_TEXTURE
uniform sampler2D albedoTexture;
uniform mat3 albedoTexTransform;
#endif
#ifdef USE_METALLIC_ROUGHNESS_TEXTURE
uniform sampler2D metallicRoughnessTexture;
uniform mat3 metallicRoughnessTexTransform;
#endif
#ifdef USE_OCCLUSION_TEXTURE
uniform sampler2D occlusionTexture;
uniform mat3 occlusionTexTransform;
uniform float occlusionStrength;
#endif
#ifdef USE_NORMAL_TEXTURE
uniform sampler2D normalTexture;
uniform mat3 normalTexTransform;
uniform float normalScale;
#endif
#ifdef USE_EMISSIVE_TEXTURE
uniform sampler2D emissiveTexture;
uniform mat3 emissiveTexTransform;
#endif

in vec3 pos;
in vec3 nor;
// Vertex colour (linear), or white.
in vec4 col;

layout (location = 0) out vec4 outColor;

void main()
{
    vec4 base_color = albedo * col;
#ifdef USE_ALBEDO_TEXTURE
    base_color *= srgb_to_linear(texture(albedoTexture, (albedoTexTransform * vec3(uvs, 1.0)).xy));
#endif
#ifdef ALPHA_CUTOFF
    // glTF compares the final alpha: factor × texture × vertex colour.
    if (base_color.a < alphaCutoff) discard;
#endif

    float metal = metallic;
    float rough = roughness;
#ifdef USE_METALLIC_ROUGHNESS_TEXTURE
    // Data, not colour: sampled as stored. Roughness is G, metallic B.
    vec4 metal_rough = texture(metallicRoughnessTexture, (metallicRoughnessTexTransform * vec3(uvs, 1.0)).xy);
    rough *= metal_rough.g;
    metal *= metal_rough.b;
#endif

    float occlusion = 1.0;
#ifdef USE_OCCLUSION_TEXTURE
    float occluded = texture(occlusionTexture, (occlusionTexTransform * vec3(uvs, 1.0)).xy).r;
    occlusion = mix(1.0, occluded, occlusionStrength);
#endif

    vec3 normal = normalize(gl_FrontFacing ? nor : -nor);
#ifdef USE_NORMAL_TEXTURE
    vec3 tangent = normalize(gl_FrontFacing ? tang : -tang);
    vec3 bitangent = normalize(gl_FrontFacing ? bitang : -bitang);
    vec3 bump = texture(normalTexture, (normalTexTransform * vec3(uvs, 1.0)).xy).xyz * 2.0 - 1.0;
    normal = normalize(mat3(tangent, bitangent, normal) * (bump * vec3(normalScale, normalScale, 1.0)));
#endif

    vec3 emitted = emissive.rgb;
#ifdef USE_EMISSIVE_TEXTURE
    emitted *= srgb_to_linear(texture(emissiveTexture, (emissiveTexTransform * vec3(uvs, 1.0)).xy)).rgb;
#endif

    vec3 radiance = emitted + calculate_lighting(cameraPosition, base_color.rgb, pos, normal, metal, rough, occlusion);
    outColor = vec4(color_mapping(tone_mapping(radiance)), base_color.a);
}
