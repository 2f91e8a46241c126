using SixLabors.ImageSharp.PixelFormats;

namespace DiMaskDino.Inference.Overlays;

/// <summary>One colour per class index: twenty well-separated colours (Tableau 10 and its light variants), then repeating.</summary>
public static class ClassPalette
{
    private static readonly Rgb24[] Colours =
    [
        new(31, 119, 180), new(255, 127, 14), new(44, 160, 44), new(214, 39, 40), new(148, 103, 189),
        new(140, 86, 75), new(227, 119, 194), new(127, 127, 127), new(188, 189, 34), new(23, 190, 207),
        new(174, 199, 232), new(255, 187, 120), new(152, 223, 138), new(255, 152, 150), new(197, 176, 213),
        new(196, 156, 148), new(247, 182, 210), new(199, 199, 199), new(219, 219, 141), new(158, 218, 229),
    ];

    public static int Count => Colours.Length;

    public static Rgb24 For(int classIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(classIndex);
        return Colours[classIndex % Colours.Length];
    }

    /// <summary>Black or white, whichever reads better on <paramref name="background"/> (Rec. 601 luma).</summary>
    public static Rgb24 TextOn(Rgb24 background) =>
        0.299 * background.R + 0.587 * background.G + 0.114 * background.B > 150 ? new Rgb24(0, 0, 0) : new Rgb24(255, 255, 255);
}
