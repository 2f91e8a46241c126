using DiMaskDino.Inference.Overlays;

namespace DiMaskDino.Inference.Tests.Overlays;

public sealed class BitmapFontTests
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.%-_:/?() ";

    [Fact]
    public void Every_label_character_has_a_glyph_and_distinct_glyphs_differ()
    {
        Assert.All(Alphabet, c => Assert.True(BitmapFont.Has(c), $"no glyph for '{c}'"));
        var shapes = Alphabet.Select(c => string.Concat(Enumerable.Range(0, 35).Select(i => BitmapFont.IsSet(c, i % 5, i / 5) ? '1' : '0'))).ToList();
        Assert.Equal(shapes.Count, shapes.Distinct().Count());
    }

    [Fact]
    public void Drawing_scales_each_font_pixel_to_a_square()
    {
        var drawn = new HashSet<(int, int)>();

        BitmapFont.Draw("-", 10, 20, 2, (x, y) => drawn.Add((x, y)));

        // '-' is row 3, all five columns: a 10×2 bar at (10, 26).
        var expected = Enumerable.Range(10, 10).SelectMany(x => new[] { (x, 26), (x, 27) }).ToHashSet();
        Assert.Equal(expected, drawn);
        Assert.Equal(2 * (3 * 6 - 1), BitmapFont.MeasureWidth("abc", 2));
    }

    [Fact]
    public void An_unknown_character_draws_as_a_question_mark()
    {
        var unknown = new List<(int, int)>();
        var question = new List<(int, int)>();

        BitmapFont.Draw("é", 0, 0, 1, (x, y) => unknown.Add((x, y)));
        BitmapFont.Draw("?", 0, 0, 1, (x, y) => question.Add((x, y)));

        Assert.False(BitmapFont.Has('é'));
        Assert.Equal(question, unknown);
    }
}
