namespace DiMaskDino.Cli.Tests;

/// <summary>A command line that does not parse: one line per problem in the user's words, exit 1, no help page.</summary>
public sealed class ParseErrorTests
{
    [Fact]
    public void A_number_that_does_not_parse_names_the_option_the_value_and_what_it_should_be()
    {
        var result = CliRunner.Run("eval", "--gt", "gt.json", "--dt", "dt.json", "--threads", "many");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.StandardOutput);
        Assert.Equal(
            ["error: --threads: 'many' is not a whole number", "run 'dimaskdino eval --help' for the options"],
            result.StandardError.Trim().Split('\n'));
    }

    [Fact]
    public void A_fraction_option_says_it_wants_a_number()
    {
        var result = CliRunner.Run("label", "images", "--model", "m.onnx", "--out", "out", "--duplicate-iou", "0,5x");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: --duplicate-iou: '0,5x' is not a number\n", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_outside_a_choice_lists_the_choices_on_the_same_line()
    {
        var result = CliRunner.Run("eval", "--gt", "gt.json", "--dt", "dt.json", "--iou-type", "keypoints");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            ["error: --iou-type must be one of both, bbox, segm, got \"keypoints\"", "run 'dimaskdino eval --help' for the options"],
            result.StandardError.Trim().Split('\n'));
    }

    [Fact]
    public void Every_problem_gets_its_own_line_and_unknown_options_keep_their_message()
    {
        var result = CliRunner.Run("eval", "--threads", "x", "--no-such-option");

        Assert.Equal(1, result.ExitCode);
        var lines = result.StandardError.Trim().Split('\n');
        Assert.Contains("error: --threads: 'x' is not a whole number", lines);
        Assert.Contains(lines, line => line.StartsWith("error: ", StringComparison.Ordinal) && line.Contains("--no-such-option", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.StartsWith("error: ", StringComparison.Ordinal) && line.Contains("--gt", StringComparison.Ordinal));
        Assert.Equal("run 'dimaskdino eval --help' for the options", lines[^1]);
    }

    [Fact]
    public void Help_still_shows_help()
    {
        var result = CliRunner.Run("eval", "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--threads", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal("", result.StandardError);
    }
}
