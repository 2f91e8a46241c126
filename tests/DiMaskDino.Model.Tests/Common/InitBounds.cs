namespace DiMaskDino.Model.Tests.Common;

/// <summary>
/// Uniform-initialisation bounds as torch samples them: in float32, whose rounding of the bound may lie a hair above
/// the exact value, so a draw can legitimately exceed the double-precision bound.
/// </summary>
internal static class InitBounds
{
    /// <summary>Xavier-uniform: √(6 / (fan_in + fan_out)).</summary>
    public static double Xavier(long fanIn, long fanOut) => AsSampled(Math.Sqrt(6.0 / (fanIn + fanOut)));

    /// <summary>Kaiming-uniform with a = 1: √(3 / fan_in).</summary>
    public static double KaimingA1(long fanIn) => AsSampled(Math.Sqrt(3.0 / fanIn));

    private static double AsSampled(double bound) => (float)bound;
}
