// Textured, noisy backgrounds for the synthetic dataset: smooth value noise, stripes or a checkerboard between two
// colours, plus per-pixel grain. Integer hashing and + − × ÷ only, so every machine paints the same bytes.

using DiMaskDino.Model.Data;

namespace DiMaskDino.Training.Synthetic;

internal static class Background
{
    private enum Pattern
    {
        ValueNoise,
        Stripes,
        Checker,
    }

    /// <summary>Paints a <paramref name="size"/>² background into interleaved RGB <paramref name="rgb"/>.</summary>
    /// <param name="colorA">Colour at pattern value 0.</param>
    /// <param name="colorB">Colour at pattern value 1.</param>
    public static void Paint(Span<byte> rgb, int size, SplitMix64 random, (byte R, byte G, byte B) colorA, (byte R, byte G, byte B) colorB)
    {
        var pattern = (Pattern)random.Int(0, 3);
        var noiseSeed = random.Next();
        var cell = 8 << random.Int(0, 4); // 8, 16, 32 or 64 px lattice / checker cells
        var angle = random.Uniform(0, 6.283185307179586);
        double dirX = ExactTrig.Cos(angle), dirY = ExactTrig.Sin(angle);
        var period = random.Uniform(6, 40);
        var grain = random.Int(4, 21);
        var grainSeed = random.Next();

        var coarse = new Lattice(size, cell, noiseSeed);
        var fine = new Lattice(size, Math.Max(4, cell / 4), noiseSeed ^ 0xABCDEFUL);
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var t = pattern switch
                {
                    Pattern.ValueNoise => 0.7 * coarse.At(x, y) + 0.3 * fine.At(x, y),
                    Pattern.Stripes => Triangle((x * dirX + y * dirY) / period),
                    _ => (((x / cell) + (y / cell)) & 1) == 0 ? 0.2 + 0.2 * coarse.At(x, y) : 0.8 - 0.2 * coarse.At(x, y),
                };
                var noise = (int)(Hash(grainSeed, (uint)x, (uint)y) % (uint)(2 * grain + 1)) - grain;
                var o = 3 * (y * size + x);
                rgb[o] = Blend(colorA.R, colorB.R, t, noise);
                rgb[o + 1] = Blend(colorA.G, colorB.G, t, noise);
                rgb[o + 2] = Blend(colorA.B, colorB.B, t, noise);
            }
        }
    }

    /// <summary>A 64-bit hash of (seed, x, y), for lattice values and grain.</summary>
    public static ulong Hash(ulong seed, uint x, uint y)
    {
        var z = seed ^ ((ulong)x << 32 | y) * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static byte Blend(byte a, byte b, double t, int noise) =>
        (byte)Math.Clamp((int)(a + (b - a) * t) + noise, 0, 255);

    /// <summary>0 → 1 → 0 over one period.</summary>
    private static double Triangle(double s)
    {
        var f = s - Math.Floor(s);
        return f < 0.5 ? 2 * f : 2 - 2 * f;
    }

    /// <summary>
    /// Value noise: random lattice values every <c>cell</c> pixels, interpolated bilinearly with smoothstep weights;
    /// in [0, 1].
    /// </summary>
    private sealed class Lattice
    {
        private readonly double[] _values;
        private readonly double[] _weights;
        private readonly int _cell;
        private readonly int _stride;

        public Lattice(int size, int cell, ulong seed)
        {
            _cell = cell;
            _stride = size / cell + 2;
            _values = new double[_stride * _stride];
            for (var j = 0; j < _stride; j++)
            {
                for (var i = 0; i < _stride; i++)
                {
                    _values[j * _stride + i] = (Hash(seed, (uint)i, (uint)j) >> 11) * (1.0 / (1UL << 53));
                }
            }

            _weights = new double[cell];
            for (var k = 0; k < cell; k++)
            {
                var f = (k + 0.5) / cell;
                _weights[k] = f * f * (3 - 2 * f);
            }
        }

        public double At(int x, int y)
        {
            int cx = x / _cell, cy = y / _cell;
            double fx = _weights[x - cx * _cell], fy = _weights[y - cy * _cell];
            var row = cy * _stride + cx;
            double v00 = _values[row], v10 = _values[row + 1], v01 = _values[row + _stride], v11 = _values[row + _stride + 1];
            var top = v00 + (v10 - v00) * fx;
            var bottom = v01 + (v11 - v01) * fx;
            return top + (bottom - top) * fy;
        }
    }
}
