// A small deterministic PRNG for data loading and augmentation (model.md §1.3): identical draws on every machine
// and runtime, unlike System.Random, whose algorithm is an implementation detail.

namespace DiMaskDino.Model.Data;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood 2014): a 64-bit state advanced by the golden-ratio increment and a strong
/// output mix. Not thread-safe: give each thread, image or sample its own instance, seeded with <see cref="Mix"/>.
/// </summary>
public sealed class SplitMix64(ulong seed)
{
    private ulong _state = seed;

    /// <summary>The next 64 random bits.</summary>
    public ulong Next()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        return Finalize(z);
    }

    /// <summary>Uniform in [0, 1), 53 bits.</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [min, max).</summary>
    public double Uniform(double min, double max) => min + (max - min) * NextDouble();

    /// <summary>Uniform integer in [min, max); <paramref name="max"/> must exceed <paramref name="min"/>.</summary>
    public int Int(int min, int max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(max, min);
        // Multiply-high instead of modulo: unbiased enough for ranges far below 2^32 and free of division.
        var range = (ulong)((long)max - min);
        return (int)(min + (long)Math.BigMul(Next(), range, out _));
    }

    /// <summary>True with probability <paramref name="p"/>.</summary>
    public bool Bernoulli(double p) => NextDouble() < p;

    /// <summary>
    /// A seed for stream <paramref name="index"/> of <paramref name="seed"/> (per image, per sample): two rounds of the
    /// SplitMix64 finaliser, so neighbouring indices give unrelated streams.
    /// </summary>
    public static ulong Mix(ulong seed, ulong index) =>
        Finalize(Finalize(seed + 0x9E3779B97F4A7C15UL) ^ (index * 0xD1B54A32D192ED03UL + 0x8CB92BA72F3D8DD7UL));

    private static ulong Finalize(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
