// Sine and cosine from + − × ÷ only, so rotations (and therefore the synthetic masks) are bit-identical on every
// machine: Math.Sin/Math.Cos call the platform's libm, whose last bits differ between C runtimes.

namespace DiMaskDino.Training.Synthetic;

internal static class ExactTrig
{
    private const double TwoPi = 6.283185307179586;
    private const double HalfPi = 1.5707963267948966;
    private const double Pi = 3.141592653589793;

    /// <summary>sin(x), absolute error below 1e-13 for |x| ≤ 1e6.</summary>
    public static double Sin(double x)
    {
        // Reduce to [-π, π], then to [-π/2, π/2] with sin(π − r) = sin(r), then a Taylor polynomial to x^19.
        var r = x - Math.Round(x / TwoPi, MidpointRounding.ToEven) * TwoPi;
        if (r > HalfPi)
        {
            r = Pi - r;
        }
        else if (r < -HalfPi)
        {
            r = -Pi - r;
        }

        var r2 = r * r;
        double term = r, sum = r;
        for (var n = 1; n <= 9; n++)
        {
            term *= -r2 / ((2 * n) * (2 * n + 1));
            sum += term;
        }

        return sum;
    }

    public static double Cos(double x) => Sin(x + HalfPi);
}
