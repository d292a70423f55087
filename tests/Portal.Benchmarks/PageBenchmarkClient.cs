using System.Net;
using System.Text.RegularExpressions;

namespace Portal.Benchmarks;

/// <summary>A cookie-keeping HttpClient signed in through the portal's real sign-in form (its antiforgery and handler fields).</summary>
internal static partial class PageBenchmarkClient
{
    public static HttpClient Anonymous(string baseUrl) => New(baseUrl, new CookieContainer());

    public static async Task<(HttpClient Client, CookieContainer Cookies)> SignedInAsync(string baseUrl, string email, string password)
    {
        var cookies = new CookieContainer();
        var http = New(baseUrl, cookies);
        var html = await http.GetStringAsync("/Account/Login");
        var form = FormElement().Matches(html).Select(m => m.Value).FirstOrDefault(f => f.Contains("name=\"_handler\" value=\"login\""))
            ?? throw new InvalidOperationException("No sign-in form on /Account/Login.");
        var fields = HiddenInput().Matches(form)
            .ToDictionary(m => WebUtility.HtmlDecode(m.Groups["name"].Value), m => WebUtility.HtmlDecode(m.Groups["value"].Value));
        fields["Input.Email"] = email;
        fields["Input.Password"] = password;
        var response = await http.PostAsync("/Account/Login", new FormUrlEncodedContent(fields));
        if (response.StatusCode != HttpStatusCode.Redirect || response.Headers.Location?.OriginalString.Contains("Account/Login") == true)
            throw new InvalidOperationException($"Sign-in of {email} failed: {response.StatusCode} {response.Headers.Location}");
        return (http, cookies);
    }

    private static HttpClient New(string baseUrl, CookieContainer cookies) =>
        new(new SocketsHttpHandler { CookieContainer = cookies, AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = new Uri(baseUrl),
            Timeout = TimeSpan.FromSeconds(60),
        };

    [GeneratedRegex("<form[^>]*>.*?</form>", RegexOptions.Singleline)]
    private static partial Regex FormElement();

    [GeneratedRegex("<input[^>]*type=\"hidden\"[^>]*name=\"(?<name>[^\"]+)\"[^>]*value=\"(?<value>[^\"]*)\"[^>]*>")]
    private static partial Regex HiddenInput();
}
