using System.Globalization;
using System.Net;
using System.Text;
using DiMaskDino.Cli.Commands;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Review;

namespace DiMaskDino.Cli.Review;

/// <summary>
/// review.html: the first N images of a review queue with their overlay previews and reasons, plus the first N failed
/// images.
/// A static page for any browser, offline: CSS and script inline, previews referenced by relative path
/// (<c>previews/{file name}.png</c>, the page sits next to that folder), nothing fetched from a network. The script
/// marks each preview loaded or missing (<c>data-loaded</c>, <c>data-natural-width</c>; a missing one gets a note)
/// and keeps "done" ticks in the browser's local storage so a reviewer can work down the list.
/// </summary>
internal static class ReviewPage
{
    public const string FileName = "review.html";

    /// <summary>The preview of an image, relative to the page: every path segment URL-escaped.</summary>
    public static string PreviewUrl(string fileName) =>
        LabelPreviews.Folder + "/" + string.Join('/', (fileName + ".png").Split('/').Select(Uri.EscapeDataString));

    public static string Render(ReviewDocument document, int top)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentOutOfRangeException.ThrowIfNegative(top);
        var shown = document.Images.Take(top).ToList();
        var html = new StringBuilder(16_384 + (shown.Count * 1024));
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>Review queue: ").Append(E(document.Dataset)).Append(" / ").Append(E(document.JobId)).Append("</title>\n")
            .Append("<style>\n").Append(Style).Append("</style>\n</head>\n")
            .Append("<body data-job=\"").Append(E(document.JobId)).Append("\">\n<header>\n<h1>Review queue</h1>\n<p>Job <code>")
            .Append(E(document.JobId)).Append("</code>, dataset <code>").Append(E(document.Dataset)).Append("</code>, score threshold ")
            .Append(N(document.ScoreThreshold)).Append(": ").Append(N(document.Images.Count)).Append(" labeled images, ")
            .Append(N(document.Failures.Count)).Append(" failed. The ").Append(N(shown.Count))
            .Append(" most likely to need a person are shown, worst first; the full ranking is in ")
            .Append("<a href=\"review.csv\">review.csv</a> and <a href=\"review.json\">review.json</a>.</p>\n");
        Scoring(html, document.Scoring);
        html.Append("<p><label><input type=\"checkbox\" id=\"hide-done\"> hide images marked done</label></p>\n</header>\n<main>\n");
        foreach (var image in shown)
        {
            Item(html, image);
        }

        html.Append("</main>\n");
        Failures(html, document.Failures, top);
        html.Append("<script>\n").Append(Script).Append("</script>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static void Item(StringBuilder html, ReviewedImage image)
    {
        var url = E(PreviewUrl(image.FileName));
        html.Append("<article class=\"item\" id=\"rank-").Append(N(image.Rank)).Append("\" data-file=\"").Append(E(image.FileName)).Append("\">\n")
            .Append("<a class=\"frame\" href=\"").Append(url).Append("\"><img class=\"preview\" src=\"").Append(url)
            .Append("\" alt=\"overlay of ").Append(E(image.FileName)).Append("\"></a>\n<div class=\"info\">\n<h2><span class=\"rank\">#")
            .Append(N(image.Rank)).Append("</span> <span class=\"score\">").Append(image.Score.ToString("F3", CultureInfo.InvariantCulture))
            .Append("</span> <code>").Append(E(image.FileName)).Append("</code></h2>\n<p class=\"meta\">")
            .Append(N(image.Instances)).Append(image.Instances == 1 ? " instance" : " instances").Append(", ")
            .Append(N(image.Width)).Append('×').Append(N(image.Height)).Append(", image id ").Append(N(image.ImageId)).Append("</p>\n");
        if (image.Reasons.Count == 0)
        {
            html.Append("<p class=\"none\">no reason found</p>\n");
        }
        else
        {
            html.Append("<ul class=\"reasons\">\n");
            foreach (var reason in image.Reasons)
            {
                html.Append("<li class=\"").Append(Name(reason.Kind)).Append("\"><span class=\"kind\">").Append(Name(reason.Kind).Replace('_', ' '))
                    .Append("</span> <span class=\"contribution\">+").Append(reason.Contribution.ToString("F2", CultureInfo.InvariantCulture))
                    .Append("</span> ").Append(E(reason.Text)).Append("</li>\n");
            }

            html.Append("</ul>\n");
        }

        html.Append("<label class=\"done\"><input type=\"checkbox\"> done</label>\n</div>\n</article>\n");
    }

    private static void Scoring(StringBuilder html, ReviewOptions o)
    {
        var w = o.Weights;
        html.Append("<details>\n<summary>How the score is made</summary>\n<table>\n<tr><th>reason</th><th>fires when</th><th>weight</th></tr>\n");
        Row(html, ReviewReasonKind.LowClassMargin, $"an instance's class score minus its query's runner-up class score is below {N(o.ClassMarginBelow)}", w.LowClassMargin);
        Row(html, ReviewReasonKind.NearThreshold, $"an instance scores less than {N(o.NearThresholdBand)} above the score threshold", w.NearThreshold);
        Row(html, ReviewReasonKind.BoxMaskDisagreement, $"the model's box and the mask's tight box overlap at IoU below {N(o.BoxMaskIouBelow)}", w.BoxMaskDisagreement);
        Row(html, ReviewReasonKind.ManyParts, $"a mask has {N(o.PartsFrom)} or more separate parts", w.ManyParts);
        Row(html, ReviewReasonKind.NoInstance, "the model found nothing in the image", w.NoInstance);
        html.Append("</table>\n<p>Each reason found contributes weight × severity (severity 0–1: how far past its limit); an image's score is ")
            .Append("1 − Π(1 − contribution) over its reasons. Ties are ordered by file name.</p>\n</details>\n");
    }

    private static void Row(StringBuilder html, ReviewReasonKind kind, string when, double weight) =>
        html.Append("<tr><td class=\"").Append(Name(kind)).Append("\">").Append(Name(kind).Replace('_', ' ')).Append("</td><td>").Append(E(when))
            .Append("</td><td>").Append(N(weight)).Append("</td></tr>\n");

    private static void Failures(StringBuilder html, IReadOnlyList<FailureEntry> failures, int top)
    {
        html.Append("<section id=\"failures\">\n<h2>Failed images (").Append(N(failures.Count)).Append(")</h2>\n");
        if (failures.Count == 0)
        {
            html.Append("<p>none</p>\n</section>\n");
            return;
        }

        html.Append("<table>\n<tr><th>file</th><th>reason</th></tr>\n");
        foreach (var failure in failures.Take(top))
        {
            html.Append("<tr><td><code>").Append(E(failure.FileName)).Append("</code></td><td>").Append(E(failure.Reason)).Append("</td></tr>\n");
        }

        html.Append("</table>\n");
        if (failures.Count > top)
        {
            html.Append("<p>… and ").Append(N(failures.Count - top)).Append(" more in <a href=\"failures.json\">failures.json</a>.</p>\n");
        }

        html.Append("</section>\n");
    }

    private static string Name(ReviewReasonKind kind) => kind switch
    {
        ReviewReasonKind.LowClassMargin => "low_class_margin",
        ReviewReasonKind.NearThreshold => "near_threshold",
        ReviewReasonKind.BoxMaskDisagreement => "box_mask_disagreement",
        ReviewReasonKind.ManyParts => "many_parts",
        ReviewReasonKind.NoInstance => "no_instance",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string N(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private const string Style = """
        body { font: 14px/1.4 system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 0 1rem 3rem; color: #222; }
        header { border-bottom: 1px solid #ccc; margin-bottom: 1rem; }
        code { font-size: 13px; word-break: break-all; }
        table { border-collapse: collapse; margin: .5rem 0; }
        td, th { border: 1px solid #ddd; padding: .2rem .5rem; text-align: left; vertical-align: top; }
        .item { display: flex; gap: 1rem; padding: .75rem 0; border-bottom: 1px solid #eee; }
        .item.is-done { opacity: .45; }
        .hide-done .item.is-done { display: none; }
        .frame { flex: 0 0 auto; }
        .preview { display: block; min-width: 256px; max-width: 480px; max-height: 360px; image-rendering: pixelated; background: #f4f4f4; }
        .preview[data-loaded="no"] { min-width: 160px; min-height: 60px; outline: 2px dashed #c00; }
        .missing { color: #c00; }
        .info h2 { font-size: 16px; margin: 0 0 .25rem; }
        .score { background: #222; color: #fff; border-radius: 3px; padding: 0 .3rem; }
        .meta, .none { color: #666; margin: 0 0 .4rem; }
        .reasons { margin: 0 0 .5rem; padding-left: 1.1rem; }
        .kind { font-weight: 600; }
        .contribution { color: #666; font-variant-numeric: tabular-nums; }
        .low_class_margin .kind, td.low_class_margin { color: #8a3ffc; }
        .near_threshold .kind, td.near_threshold { color: #b28600; }
        .box_mask_disagreement .kind, td.box_mask_disagreement { color: #da1e28; }
        .many_parts .kind, td.many_parts { color: #007d79; }
        .no_instance .kind, td.no_instance { color: #0043ce; }
        @media (max-width: 800px) { .item { flex-direction: column; } .preview { max-width: 100%; } }

        """;

    private const string Script = """
        (function () {
          'use strict';
          function mark(img) {
            var ok = img.naturalWidth > 0;
            img.dataset.loaded = ok ? 'yes' : 'no';
            img.dataset.naturalWidth = String(img.naturalWidth);
            if (!ok && !img.parentNode.nextElementSibling.querySelector('.missing')) {
              var note = document.createElement('p');
              note.className = 'missing';
              note.textContent = 'preview not found: ' + decodeURIComponent(img.getAttribute('src'));
              img.parentNode.nextElementSibling.appendChild(note);
            }
          }
          document.querySelectorAll('img.preview').forEach(function (img) {
            if (img.complete) { mark(img); return; }
            img.addEventListener('load', function () { mark(img); });
            img.addEventListener('error', function () { mark(img); });
          });
          var storage = null;
          try { storage = window.localStorage; } catch (e) { storage = null; }
          var prefix = 'dimaskdino-review:' + document.body.dataset.job + ':';
          document.querySelectorAll('.item').forEach(function (item) {
            var box = item.querySelector('.done input');
            var key = prefix + item.dataset.file;
            box.checked = !!(storage && storage.getItem(key));
            item.classList.toggle('is-done', box.checked);
            box.addEventListener('change', function () {
              item.classList.toggle('is-done', box.checked);
              if (storage) { if (box.checked) { storage.setItem(key, '1'); } else { storage.removeItem(key); } }
            });
          });
          var hide = document.getElementById('hide-done');
          hide.addEventListener('change', function () { document.body.classList.toggle('hide-done', hide.checked); });
        })();

        """;
}
