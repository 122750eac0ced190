using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Interactions;
using Solver.Inference.Rendering;

namespace Solver.Tests;

/// <summary>
/// The drawing page in Debian's headless Chromium (apt: chromium, chromium-driver; nothing is downloaded): an equation
/// is drawn on the canvas with pointer events, stroke by stroke, and the page must show its solution; a file is
/// uploaded and solved too. Skipped, with the reason, where the browser or its driver is not installed.
/// </summary>
public sealed class BrowserTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string Browser = "/usr/bin/chromium", Driver = "/usr/bin/chromedriver";

    private static ChromeDriver Open()
    {
        Skip.IfNot(File.Exists(Browser) && File.Exists(Driver), "needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)");
        Environment.SetEnvironmentVariable("SE_OFFLINE", "true"); // Selenium Manager must never reach for the network
        var options = new ChromeOptions { BinaryLocation = Browser };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1200,1000");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(Driver)!, Path.GetFileName(Driver));
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    private static string WaitForAnswer(IWebDriver driver)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var solution = driver.FindElement(By.Id("solution")).Text;
            var error = driver.FindElement(By.Id("error")).Text;
            if (solution.Length > 0 || error.Length > 0) return solution + error;
            Thread.Sleep(100);
        }
        throw new TimeoutException("the page showed neither a solution nor an error within 60 s");
    }

    [SkippableFact]
    public void Equation_drawn_with_the_pointer_is_solved_on_the_page()
    {
        using var driver = Open();
        driver.Navigate().GoToUrl(server.BaseAddress);
        var canvas = driver.FindElement(By.Id("ink"));
        var layout = StrokeRenderer.Place("2x+3=7", new RenderStyle(Height: 80, Margin: 20), seed: 1);
        double scale = Math.Min(1, Math.Min((canvas.Size.Width - 20.0) / layout.Width, (canvas.Size.Height - 20.0) / layout.Height));
        int Ox(double x) => (int)Math.Round(x * scale - canvas.Size.Width / 2.0 + 10);  // offsets from the canvas centre
        int Oy(double y) => (int)Math.Round(y * scale - canvas.Size.Height / 2.0 + 10);
        foreach (var (points, _) in layout.Strokes)
        {
            var drag = new Actions(driver).MoveToElement(canvas, Ox(points[0].X), Oy(points[0].Y)).ClickAndHold();
            foreach (var p in points.Skip(1)) drag = drag.MoveToElement(canvas, Ox(p.X), Oy(p.Y));
            drag.Release().Perform();
        }
        driver.FindElement(By.Id("solve")).Click();
        var answer = WaitForAnswer(driver);
        Assert.Equal("x = 2", answer);
        Assert.Equal("2x+3=7", driver.FindElement(By.Id("equation")).Text);
        Assert.True(driver.FindElements(By.CssSelector("#symbols tbody tr")).Count >= 6, "one row per symbol");
        if (Environment.GetEnvironmentVariable("SOLVER_SCREENSHOT") is { Length: > 0 } shot) ((ITakesScreenshot)driver).GetScreenshot().SaveAsFile(shot);

        // Undo removes the last stroke (a bar of the 7) and clears the answer; Clear empties the page.
        driver.FindElement(By.Id("undo")).Click();
        Assert.Equal("", driver.FindElement(By.Id("solution")).Text);
        driver.FindElement(By.Id("clear")).Click();
        driver.FindElement(By.Id("solve")).Click();
        Assert.Contains("Draw an equation first", WaitForAnswer(driver));
    }

    [SkippableFact]
    public void Uploaded_photo_is_solved_on_the_page()
    {
        using var driver = Open();
        driver.Navigate().GoToUrl(server.BaseAddress);
        driver.FindElement(By.Id("upload")).SendKeys(Path.Combine(ExamplesTests.RepoRoot(), "examples", "parentheses.png"));
        Assert.Equal("x = -8", WaitForAnswer(driver));
        Assert.Contains("3(x+1)=2x-5", driver.FindElement(By.Id("equation")).Text);
    }
}
