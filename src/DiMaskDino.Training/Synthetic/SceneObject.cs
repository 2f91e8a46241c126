// One synthetic object: a shape with position, size, rotation and colour, and the exact point-in-shape test that
// both paints it and defines its mask.

namespace DiMaskDino.Training.Synthetic;

/// <summary>
/// A shape centred at (<see cref="CenterX"/>, <see cref="CenterY"/>) pixels, inscribed in a circle of
/// <see cref="Radius"/> (its size is the diameter), rotated by the angle whose cosine and sine are given.
/// <see cref="Detail"/> is the ring's inner/outer radius ratio or the cross's arm half-thickness (relative to the
/// radius); other shapes ignore it.
/// </summary>
internal readonly record struct SceneObject(
    ShapeKind Kind, double CenterX, double CenterY, double Radius, double Cos, double Sin, double Detail, byte R, byte G, byte B)
{
    // The five-pointed star: outer radius 1, inner radius StarInner, first point straight up (y grows downwards).
    private const double StarInner = 0.42;
    private static readonly double[] StarX = StarVertices(x: true);
    private static readonly double[] StarY = StarVertices(x: false);

    /// <summary>Whether the centre of pixel (x, y) — the point (x + ½, y + ½) — is inside the shape.</summary>
    public bool ContainsPixel(int x, int y)
    {
        var dx = (x + 0.5 - CenterX) / Radius;
        var dy = (y + 0.5 - CenterY) / Radius;
        // Rotate the point by −angle into the shape's own frame (unit circumradius).
        var u = dx * Cos + dy * Sin;
        var v = -dx * Sin + dy * Cos;
        return Kind switch
        {
            ShapeKind.Circle => u * u + v * v <= 1.0,
            ShapeKind.Ring => u * u + v * v <= 1.0 && u * u + v * v >= Detail * Detail,
            ShapeKind.Square => Math.Abs(u) <= 0.7071067811865476 && Math.Abs(v) <= 0.7071067811865476,
            // Equilateral triangle with circumradius 1 and apex up: inradius ½, edges at 60° from the base.
            ShapeKind.Triangle => v <= 0.5 && 1.7320508075688772 * u - v <= 1.0 && -1.7320508075688772 * u - v <= 1.0,
            ShapeKind.Cross => (Math.Abs(u) <= 0.9 && Math.Abs(v) <= Detail) || (Math.Abs(u) <= Detail && Math.Abs(v) <= 0.9),
            ShapeKind.Star => InStar(u, v),
            _ => false,
        };
    }

    /// <summary>Even–odd crossing test against the 10-vertex star polygon.</summary>
    private static bool InStar(double u, double v)
    {
        if (u * u + v * v > 1.0)
        {
            return false;
        }

        var inside = false;
        for (int i = 0, j = StarX.Length - 1; i < StarX.Length; j = i++)
        {
            if ((StarY[i] > v) != (StarY[j] > v)
                && u < (StarX[j] - StarX[i]) * (v - StarY[i]) / (StarY[j] - StarY[i]) + StarX[i])
            {
                inside = !inside;
            }
        }

        return inside;
    }

    private static double[] StarVertices(bool x)
    {
        var vertices = new double[10];
        for (var k = 0; k < 10; k++)
        {
            var angle = -1.5707963267948966 + k * 0.6283185307179586; // start at the top, 36° apart
            var radius = k % 2 == 0 ? 1.0 : StarInner;
            vertices[k] = radius * (x ? ExactTrig.Cos(angle) : ExactTrig.Sin(angle));
        }

        return vertices;
    }
}
