using DiMaskDino.Coco.Masks;

namespace DiMaskDino.Pipeline.Exports;

/// <summary>
/// Label Studio's brush RLE (<c>value.rle</c> of a <c>brushlabels</c> result): the image as row-major RGBA bytes (4 per
/// pixel, all 255 on the mask, 0 elsewhere, as label-studio-converter's <c>encode_rle</c> is given them), packed
/// with thi.ng's rle-pack, which Label Studio's front end decodes. The stream, most significant bit first: 32 bits
/// value count, 5 bits word size − 1 (7), four 4-bit run-length widths − 1 (widths 3, 4, 8, 16), then one chunk per
/// run: 1 (a repeat), 2 bits naming the width, length − 1 in that many bits, the 8-bit value. Runs longer than 2^16
/// bytes are split. The last byte is padded with zeros.
/// </summary>
public static class LabelStudioBrush
{
    private static readonly int[] Widths = [3, 4, 8, 16];

    public static byte[] Encode(RleMask mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        int height = mask.Height, width = mask.Width;
        var columnMajor = new byte[height * width];
        Rle.Decode(mask, columnMajor);

        var bits = new BitWriter();
        bits.Write((uint)(4L * height * width), 32);
        bits.Write(7, 5);
        foreach (var w in Widths)
        {
            bits.Write((uint)(w - 1), 4);
        }

        // Runs of pixels in row-major order, each pixel 4 bytes.
        long run = 0;
        byte value = 0;
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                byte v = columnMajor[x * height + y] != 0 ? (byte)255 : (byte)0;
                if (v != value && run > 0)
                {
                    WriteRun(bits, value, 4 * run);
                    run = 0;
                }

                value = v;
                run++;
            }
        }

        if (run > 0)
        {
            WriteRun(bits, value, 4 * run);
        }

        return bits.ToArray();
    }

    private static void WriteRun(BitWriter bits, byte value, long length)
    {
        while (length > 0)
        {
            int n = (int)Math.Min(length, 1 << 16);
            int index = Array.FindIndex(Widths, w => n - 1 < 1 << w);
            bits.Write(1, 1);
            bits.Write((uint)index, 2);
            bits.Write((uint)(n - 1), Widths[index]);
            bits.Write(value, 8);
            length -= n;
        }
    }

    private sealed class BitWriter
    {
        private readonly List<byte> _bytes = [];
        private int _used = 8;

        public void Write(uint value, int count)
        {
            for (int i = count - 1; i >= 0; i--)
            {
                if (_used == 8)
                {
                    _bytes.Add(0);
                    _used = 0;
                }

                if (((value >> i) & 1) != 0)
                {
                    _bytes[^1] |= (byte)(0x80 >> _used);
                }

                _used++;
            }
        }

        public byte[] ToArray() => [.. _bytes];
    }
}
