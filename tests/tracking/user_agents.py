"""Real user-agent strings (as sent by the browsers, apps and fetchers named), with what we expect.

Each entry: name -> (user agent, is_bot, app, device). Shared by the classifier tests and the
end-to-end test that sends every one through a running server.
"""

HUMANS = {
    "chrome_windows": ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                       "Chrome/121.0.0.0 Safari/537.36", None, "desktop"),
    "safari_mac": ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                   "Version/17.2 Safari/605.1.15", None, "desktop"),
    "firefox_linux": ("Mozilla/5.0 (X11; Linux x86_64; rv:122.0) Gecko/20100101 Firefox/122.0", None, "desktop"),
    "safari_iphone": ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                      "Version/17.2 Mobile/15E148 Safari/604.1", None, "mobile"),
    "safari_ipad": ("Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                    "Version/16.6 Mobile/15E148 Safari/604.1", None, "tablet"),
    "samsung_internet": ("Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-A546N) AppleWebKit/537.36 (KHTML, like Gecko) "
                         "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36", None, "mobile"),
    "instagram_ios": ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                      "Mobile/15E148 Instagram 350.0.0.0 (iPhone15,3; iOS 18_5; ko_KR)", "Instagram", "mobile"),
    "instagram_android": ("Mozilla/5.0 (Linux; Android 14; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 "
                          "Chrome/129.0.0.0 Mobile Safari/537.36 Instagram 350.0.0.0", "Instagram", "mobile"),
    "facebook_ios": ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                     "Mobile/15E148 [FBAN/FBIOS;FBAV/455.0.0.39.106;FBBV/1]", "Facebook", "mobile"),
    "facebook_android": ("Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A.230805.001; wv) AppleWebKit/537.36 "
                         "(KHTML, like Gecko) Version/4.0 Chrome/116.0.5845.163 Mobile Safari/537.36 "
                         "[FB_IAB/FB4A;FBAV/431.0.0.31.108;]", "Facebook", "mobile"),
    "messenger_ios": ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                      "Mobile/15E148 [FBAN/MessengerForiOS;FBAV/450.0.0.38.108;FBBV/1]", "Messenger", "mobile"),
    "tiktok_ios": ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_2_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                   "Mobile/15E148 BytedanceWebview/d8a21c6 musical_ly_32.8.0 JsSdk/2.0 NetType/WIFI Channel/App "
                   "ByteLocale/ar Region/SA", "TikTok", "mobile"),
    "tiktok_android": ("Mozilla/5.0 (Linux; Android 13; SM-A546E Build/TP1A.220624.014; wv) AppleWebKit/537.36 "
                       "(KHTML, like Gecko) Version/4.0 Chrome/120.0.0.0 Mobile Safari/537.36 trill_2023008030 "
                       "JsSdk/1.0 NetType/WIFI", "TikTok", "mobile"),
    "line_ios": ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                 "Mobile/15E148 Safari Line/14.13.0", "LINE", "mobile"),
    "line_android": ("Mozilla/5.0 (Linux; Android 12; SM-G991B Build/SP1A.210812.016; wv) AppleWebKit/537.36 "
                     "(KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.144 Mobile Safari/537.36 Line/13.21.1/IAB",
                     "LINE", "mobile"),
    "wechat_ios": ("Mozilla/5.0 (iPhone; CPU iPhone OS 16_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                   "Mobile/15E148 MicroMessenger/8.0.31(0x18001f2e) NetType/4G Language/en", "WeChat", "mobile"),
    "wechat_android": ("Mozilla/5.0 (Linux; Android 13; 22081212C Build/TKQ1.220829.002; wv) AppleWebKit/537.36 "
                       "(KHTML, like Gecko) Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5023 "
                       "MMWEBSDK/20230303 MMWEBID/6973 MicroMessenger/8.0.34.2340(0x2800225B) WeChat/arm64 Weixin "
                       "NetType/WIFI Language/zh_CN ABI/arm64", "WeChat", "mobile"),
    "threads_ios": ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                    "Mobile/15E148 Barcelona 289.0.0.77.109 (iPhone15,2; iOS 17_4; en_US)", "Threads", "mobile"),
    "snapchat_ios": ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                     "Mobile/15E148 Snapchat/12.80.0.40 (like Safari/8617.2.4.10.8)", "Snapchat", "mobile"),
}

# name -> (user agent, expected bot_reason prefix); browsers send Accept-Language, these need not
BOTS = {
    "facebookexternalhit": ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", "list:"),
    "twitterbot": ("Twitterbot/1.0", "list:"),
    "linkedinbot": ("LinkedInBot/1.0 (compatible; Mozilla/5.0; +https://www.linkedin.com/bot)", "list:"),
    "slackbot": ("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", "list:"),
    "discordbot": ("Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)", "list:"),
    "telegrambot": ("TelegramBot (like TwitterBot)", "list:"),
    "whatsapp": ("WhatsApp/2.21.4.22", "list:"),
    "pinterestbot": ("Mozilla/5.0 (compatible; Pinterestbot/1.0; +http://www.pinterest.com/bot.html)", "list:"),
    "googlebot": ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "list:"),
    "bingbot": ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "list:"),
    "gptbot": ("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.0; +https://openai.com/gptbot)",
               "list:"),
    "headless_chrome": ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                        "HeadlessChrome/129.0.0.0 Safari/537.36", "list:"),
    "curl": ("curl/7.88.1", "list:"),
    "python_requests": ("python-requests/2.31.0", "list:"),
    "go_http": ("Go-http-client/2.0", "list:"),
    "empty": ("", "rule:empty"),
}
