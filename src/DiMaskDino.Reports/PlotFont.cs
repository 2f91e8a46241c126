using ScottPlot;
using SkiaSharp;

namespace DiMaskDino.Reports;

/// <summary>
/// The one font every plot uses: DejaVu Sans, embedded in this assembly.
/// Why embedded: SkiaSharp's Linux build (NativeAssets.Linux.NoDependencies) only scans /usr/share/fonts. Where that is
/// empty, as in slim container images, ScottPlot renders without error but with no text at all (no title, labels,
/// ticks or legend). The embedded font also makes the PNGs the same on every machine, and avoids the system default
/// that Skia picks there (the first family it finds, e.g. DejaVu Serif).
/// </summary>
internal static class PlotFont
{
    /// <summary>A name no installed font has, so the resolver answers for our plots and nobody else's.</summary>
    public const string Name = "DiMaskDino Report Sans";

    private const string Resource = "DiMaskDino.Reports.Fonts.DejaVuSans.ttf";

    // ScottPlot resolves fonts by name through its process-wide Fonts.FontResolvers list; registering ours is the only
    // hook it offers. Done once, on first use; the typeface is never disposed (ScottPlot caches it for the process).
    private static readonly Lazy<SKTypeface> Typeface = new(Register);

    /// <summary>Sets every text element of <paramref name="plot"/> (title, axis labels, ticks, legend) to the embedded font.</summary>
    public static void Apply(Plot plot)
    {
        _ = Typeface.Value;
        plot.Font.Set(Name);
        plot.Legend.FontName = Name;
        plot.Legend.SetBestFontOnEachRender = false;
    }

    private static SKTypeface Register()
    {
        using var stream = typeof(PlotFont).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"Embedded font {Resource} is missing from {typeof(PlotFont).Assembly.GetName().Name}.");
        using var data = SKData.Create(stream);
        var typeface = SKTypeface.FromData(data)
            ?? throw new InvalidOperationException($"Embedded font {Resource} could not be loaded by SkiaSharp.");
        Fonts.FontResolvers.Insert(0, new Resolver(typeface));
        return typeface;
    }

    /// <summary>Regular weight only: bold and italic requests get the regular face too.</summary>
    private sealed class Resolver(SKTypeface typeface) : IFontResolver
    {
        public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing spacing) =>
            fontName == Name ? typeface : null;

        public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) => fontName == Name ? typeface : null;
    }
}
