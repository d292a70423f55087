using System.Net;
using System.Text.RegularExpressions;

namespace Portal.Tests.Infrastructure;

/// <summary>
/// A browser without JavaScript: keeps cookies, fills static server-rendered forms (with their
/// antiforgery and handler fields) and follows redirects only when asked.
/// </summary>
public sealed partial class PortalClient(HttpClient http) : IDisposable
{
    public HttpClient Http => http;

    public Task<HttpResponseMessage> GetAsync(string url) => http.GetAsync(url);

    public async Task<string> GetPageAsync(string url)
    {
        var response = await http.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Loads <paramref name="url"/>, takes the form named <paramref name="formName"/>, overrides fields and submits it.</summary>
    public async Task<HttpResponseMessage> SubmitFormAsync(string url, string formName, IDictionary<string, string> fields)
    {
        var html = await GetPageAsync(url);
        var form = FindForm(html, formName) ?? throw new InvalidOperationException($"No form '{formName}' on {url}.");
        var values = HiddenInput().Matches(form)
            .ToDictionary(m => WebUtility.HtmlDecode(m.Groups["name"].Value), m => WebUtility.HtmlDecode(m.Groups["value"].Value));
        foreach (var (k, v) in fields) values[k] = v;
        var action = ActionAttribute().Match(form) is { Success: true } a && a.Groups[1].Value.Length > 0
            ? WebUtility.HtmlDecode(a.Groups[1].Value)
            : url;
        return await http.PostAsync(action, new FormUrlEncodedContent(values));
    }

    /// <summary>Signs in through the real sign-in form; true when the portal accepted the password.</summary>
    public async Task<HttpResponseMessage> SignInAsync(string email, string password = PortalFactory.Password)
    {
        var response = await SubmitFormAsync("/Account/Login", "login", new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        });
        return response;
    }

    public async Task SignInOrFailAsync(string email, string password = PortalFactory.Password)
    {
        var response = await SignInAsync(email, password);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location?.OriginalString.Contains("Account/Login") != true,
            $"Sign-in of {email} failed: {response.StatusCode} {response.Headers.Location}\n{await response.Content.ReadAsStringAsync()}");
    }

    private static string? FindForm(string html, string formName)
    {
        foreach (Match m in FormElement().Matches(html))
            if (m.Value.Contains($"name=\"_handler\" value=\"{formName}\"")) return m.Value;
        return null;
    }

    [GeneratedRegex("<form[^>]*>.*?</form>", RegexOptions.Singleline)]
    private static partial Regex FormElement();

    [GeneratedRegex("<input[^>]*type=\"hidden\"[^>]*name=\"(?<name>[^\"]+)\"[^>]*value=\"(?<value>[^\"]*)\"[^>]*>")]
    private static partial Regex HiddenInput();

    [GeneratedRegex("<form[^>]*action=\"([^\"]*)\"")]
    private static partial Regex ActionAttribute();

    public void Dispose() => http.Dispose();
}
