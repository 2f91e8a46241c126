// A 5×7 pixel font for overlay labels (ImageSharp 2.1 without ImageSharp.Drawing has no text, and no font files are
// available): the usual character-LCD glyph shapes, typed in by hand.

namespace DiMaskDino.Inference.Overlays;

/// <summary>
/// Fixed-width 5×7 glyphs for A–Z, a–z, 0–9 and <c>. % - _ : / ? ( )</c> and space, one pixel apart; other characters
/// draw as '?'. <see cref="Draw"/> scales each font pixel to a square of <c>scale</c> image pixels.
/// </summary>
public static class BitmapFont
{
    public const int GlyphWidth = 5;
    public const int GlyphHeight = 7;

    /// <summary>Horizontal distance between the left edges of two consecutive glyphs, in font pixels.</summary>
    public const int Advance = GlyphWidth + 1;

    // Each glyph: seven rows of five bits, top row first, leftmost pixel in the highest bit.
    private static readonly Dictionary<char, byte[]> Glyphs = Build(new Dictionary<char, string>
    {
        ['0'] = "01110 10001 10011 10101 11001 10001 01110",
        ['1'] = "00100 01100 00100 00100 00100 00100 01110",
        ['2'] = "01110 10001 00001 00010 00100 01000 11111",
        ['3'] = "11111 00010 00100 00010 00001 10001 01110",
        ['4'] = "00010 00110 01010 10010 11111 00010 00010",
        ['5'] = "11111 10000 11110 00001 00001 10001 01110",
        ['6'] = "00110 01000 10000 11110 10001 10001 01110",
        ['7'] = "11111 00001 00010 00100 01000 01000 01000",
        ['8'] = "01110 10001 10001 01110 10001 10001 01110",
        ['9'] = "01110 10001 10001 01111 00001 00010 01100",
        ['A'] = "01110 10001 10001 10001 11111 10001 10001",
        ['B'] = "11110 10001 10001 11110 10001 10001 11110",
        ['C'] = "01110 10001 10000 10000 10000 10001 01110",
        ['D'] = "11100 10010 10001 10001 10001 10010 11100",
        ['E'] = "11111 10000 10000 11110 10000 10000 11111",
        ['F'] = "11111 10000 10000 11110 10000 10000 10000",
        ['G'] = "01110 10001 10000 10111 10001 10001 01111",
        ['H'] = "10001 10001 10001 11111 10001 10001 10001",
        ['I'] = "01110 00100 00100 00100 00100 00100 01110",
        ['J'] = "00111 00010 00010 00010 00010 10010 01100",
        ['K'] = "10001 10010 10100 11000 10100 10010 10001",
        ['L'] = "10000 10000 10000 10000 10000 10000 11111",
        ['M'] = "10001 11011 10101 10101 10001 10001 10001",
        ['N'] = "10001 10001 11001 10101 10011 10001 10001",
        ['O'] = "01110 10001 10001 10001 10001 10001 01110",
        ['P'] = "11110 10001 10001 11110 10000 10000 10000",
        ['Q'] = "01110 10001 10001 10001 10101 10010 01101",
        ['R'] = "11110 10001 10001 11110 10100 10010 10001",
        ['S'] = "01111 10000 10000 01110 00001 00001 11110",
        ['T'] = "11111 00100 00100 00100 00100 00100 00100",
        ['U'] = "10001 10001 10001 10001 10001 10001 01110",
        ['V'] = "10001 10001 10001 10001 10001 01010 00100",
        ['W'] = "10001 10001 10001 10101 10101 10101 01010",
        ['X'] = "10001 10001 01010 00100 01010 10001 10001",
        ['Y'] = "10001 10001 10001 01010 00100 00100 00100",
        ['Z'] = "11111 00001 00010 00100 01000 10000 11111",
        ['a'] = "00000 00000 01110 00001 01111 10001 01111",
        ['b'] = "10000 10000 10110 11001 10001 10001 11110",
        ['c'] = "00000 00000 01110 10000 10000 10001 01110",
        ['d'] = "00001 00001 01101 10011 10001 10001 01111",
        ['e'] = "00000 00000 01110 10001 11111 10000 01110",
        ['f'] = "00110 01001 01000 11100 01000 01000 01000",
        ['g'] = "00000 01111 10001 10001 01111 00001 01110",
        ['h'] = "10000 10000 10110 11001 10001 10001 10001",
        ['i'] = "00100 00000 01100 00100 00100 00100 01110",
        ['j'] = "00010 00000 00110 00010 00010 10010 01100",
        ['k'] = "10000 10000 10010 10100 11000 10100 10010",
        ['l'] = "01100 00100 00100 00100 00100 00100 01110",
        ['m'] = "00000 00000 11010 10101 10101 10001 10001",
        ['n'] = "00000 00000 10110 11001 10001 10001 10001",
        ['o'] = "00000 00000 01110 10001 10001 10001 01110",
        ['p'] = "00000 00000 11110 10001 11110 10000 10000",
        ['q'] = "00000 00000 01101 10011 01111 00001 00001",
        ['r'] = "00000 00000 10110 11001 10000 10000 10000",
        ['s'] = "00000 00000 01110 10000 01110 00001 11110",
        ['t'] = "01000 01000 11100 01000 01000 01001 00110",
        ['u'] = "00000 00000 10001 10001 10001 10011 01101",
        ['v'] = "00000 00000 10001 10001 10001 01010 00100",
        ['w'] = "00000 00000 10001 10001 10101 10101 01010",
        ['x'] = "00000 00000 10001 01010 00100 01010 10001",
        ['y'] = "00000 00000 10001 10001 01111 00001 01110",
        ['z'] = "00000 00000 11111 00010 00100 01000 11111",
        ['.'] = "00000 00000 00000 00000 00000 01100 01100",
        ['%'] = "11000 11001 00010 00100 01000 10011 00011",
        ['-'] = "00000 00000 00000 11111 00000 00000 00000",
        ['_'] = "00000 00000 00000 00000 00000 00000 11111",
        [':'] = "00000 01100 01100 00000 01100 01100 00000",
        ['/'] = "00000 00001 00010 00100 01000 10000 00000",
        ['?'] = "01110 10001 00001 00010 00100 00000 00100",
        ['('] = "00010 00100 01000 01000 01000 00100 00010",
        [')'] = "01000 00100 00010 00010 00010 00100 01000",
        [' '] = "00000 00000 00000 00000 00000 00000 00000",
    });

    /// <summary>Whether <paramref name="c"/> has its own glyph (otherwise it draws as '?').</summary>
    public static bool Has(char c) => Glyphs.ContainsKey(c);

    /// <summary>Width in image pixels of <paramref name="text"/> at <paramref name="scale"/> (no trailing gap).</summary>
    public static int MeasureWidth(string text, int scale) => text.Length == 0 ? 0 : (text.Length * Advance - 1) * scale;

    /// <summary>Whether font pixel (<paramref name="column"/>, <paramref name="row"/>) of <paramref name="c"/>'s glyph is set.</summary>
    public static bool IsSet(char c, int column, int row)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(column);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(column, GlyphWidth);
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, GlyphHeight);
        var glyph = Glyphs.TryGetValue(c, out var g) ? g : Glyphs['?'];
        return (glyph[row] & (1 << (GlyphWidth - 1 - column))) != 0;
    }

    /// <summary>Calls <paramref name="setPixel"/>(x, y) for every image pixel the text covers, top-left at (<paramref name="left"/>, <paramref name="top"/>).</summary>
    public static void Draw(string text, int left, int top, int scale, Action<int, int> setPixel)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(scale);
        for (int i = 0; i < text.Length; i++)
        {
            int glyphLeft = left + i * Advance * scale;
            for (int row = 0; row < GlyphHeight; row++)
            {
                for (int column = 0; column < GlyphWidth; column++)
                {
                    if (!IsSet(text[i], column, row))
                    {
                        continue;
                    }

                    for (int dy = 0; dy < scale; dy++)
                    {
                        for (int dx = 0; dx < scale; dx++)
                        {
                            setPixel(glyphLeft + column * scale + dx, top + row * scale + dy);
                        }
                    }
                }
            }
        }
    }

    private static Dictionary<char, byte[]> Build(Dictionary<char, string> rows)
    {
        var glyphs = new Dictionary<char, byte[]>(rows.Count);
        foreach (var (c, text) in rows)
        {
            var parts = text.Split(' ');
            if (parts.Length != GlyphHeight || parts.Any(p => p.Length != GlyphWidth || p.Any(ch => ch is not ('0' or '1'))))
            {
                throw new InvalidOperationException($"glyph '{c}' is not {GlyphHeight} rows of {GlyphWidth} bits");
            }

            glyphs[c] = [.. parts.Select(p => Convert.ToByte(p, 2))];
        }

        return glyphs;
    }
}
