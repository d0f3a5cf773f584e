// Clay: light grey under a sky/floor hemisphere and the key light, with
// no texture reads and no environment lookups, so the clay stand-in and
// the clay mode cost the GPU as little as a lit frame can.

in vec3 nor;

uniform vec3 keyDirection;
uniform float keyIntensity;

layout (location = 0) out vec4 outColor;

// Linear albedo of light grey clay.
const vec3 ALBEDO = vec3(0.4, 0.4, 0.385);
// The studio's light from above and from the floor, as the environment
// gives it.
const vec3 SKY = vec3(0.85, 0.87, 0.9);
const vec3 FLOOR = vec3(0.16, 0.155, 0.15);

void main()
{
    vec3 normal = normalize(gl_FrontFacing ? nor : -nor);
    vec3 ambient = mix(FLOOR, SKY, 0.5 + 0.5 * normal.y);
    float key = max(dot(normal, -keyDirection), 0.0) * keyIntensity;
    vec3 color = ALBEDO * (ambient + vec3(key));
    outColor = vec4(color_mapping(tone_mapping(color)), 1.0);
}
