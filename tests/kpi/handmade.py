"""A small hand-made campaign whose every KPI is computed by hand in the tests.

The bundle is written as CSV text so that a test can reorder rows or split files between imports.
"""

from __future__ import annotations

from pathlib import Path

CAMPAIGN = """\
id: hand
name: Hand-made launch
goal: bofu
start: 2026-03-01
end: 2026-03-10
timezone: Asia/Taipei
currency: TWD
budget: 100000
baseline: {start: 2026-02-19, end: 2026-02-28}
targets: {roas: 2.0, cpa: 500, ctr: 1.0}
brand_accounts: [{platform: instagram, handle: acme_tw}]
brand_terms: ["acme", "#acmespring"]
competitor_terms: ["globex"]
"""

FILES = {
    "creators.csv": """\
creator_id,platform,handle,name,followers
amy,instagram,amy.eats,Amy,10000
amy,tiktok,amy.tt,Amy,50000
ben,instagram,ben.fit,Ben,2000
""",
    "followers.csv": """\
platform,handle,date,followers
instagram,amy.eats,2026-02-25,20000
instagram,amy.eats,2026-03-05,21000
instagram,acme_tw,2026-02-19,900
instagram,acme_tw,2026-02-28,1000
instagram,acme_tw,2026-03-01,1000
instagram,acme_tw,2026-03-10,1200
""",
    # p1 has two snapshots (the latest counts); p3 is posted at 00:30 Taipei time = the previous day in UTC
    "posts.csv": """\
post_id,creator_id,platform,content_type,posted_at,as_of,impressions,reach,views,likes,comments,shares,saves,reactions,link_clicks
p1,amy,instagram,reel,2026-03-02T10:00:00+08:00,2026-03-03T00:00:00Z,5000,4000,6000,300,20,10,5,,
p1,amy,instagram,reel,2026-03-02T10:00:00+08:00,2026-03-05T00:00:00Z,10000,8000,12000,500,40,20,10,,100
p2,amy,tiktok,video,2026-03-04T12:00:00Z,2026-03-06T00:00:00Z,,,30000,1500,100,50,30,,
p3,ben,instagram,post,2026-03-01T00:30:00+08:00,2026-03-04T00:00:00Z,2000,1500,,100,10,,,7,
""",
    "costs.csv": """\
cost_id,creator_id,kind,amount,currency,incurred_on
fee-amy,amy,fee,30000,TWD,2026-03-01
fee-ben,ben,fee,100,USD,2026-03-02
prod,,production,5000,TWD,2026-03-03
""",
    "fx_rates.csv": """\
date,currency,rate
2026-02-27,USD,31.5
2026-03-03,USD,32
""",
    "codes.csv": """\
code,creator_id,kind
AMY10,amy,affiliate
BEN10,ben,affiliate
SPRING,,sitewide
""",
    "links.csv": """\
link_id,creator_id,platform,destination_url,post_id
amy-ig,amy,instagram,https://shop.example.com/,p1
ben-ig,ben,instagram,https://shop.example.com/,p3
""",
    "clicks.csv": """\
click_id,link_id,ts,is_bot,visitor_hash
c8,ben-ig,2026-03-01T05:00:00Z,false,v1
c1,amy-ig,2026-03-02T03:00:00Z,false,v1
c2,amy-ig,2026-03-02T03:50:00Z,false,v1
c3,amy-ig,2026-03-02T04:10:00Z,false,v1
c4,amy-ig,2026-03-02T04:20:00Z,false,v2
c5,amy-ig,2026-03-02T05:00:00Z,true,v3
c6,ben-ig,2026-03-01T02:00:00Z,false,v4
c7,ben-ig,2026-03-01T02:10:00Z,false,
""",
    "orders.csv": """\
order_id,created_at,currency,subtotal,discounts,refunded,status,discount_codes,landing_url,click_id,new_customer,units
o1,2026-03-03T10:00:00Z,TWD,1000,100,,paid,AMY10,,c6,true,2
o2,2026-03-04T10:00:00Z,TWD,2000,,,paid,SPRING,,c1,false,1
o3,2026-03-05T10:00:00Z,TWD,1500,,500,partially_refunded,,https://shop.example.com/?utm_source=instagram&utm_content=ben.fit,,false,3
o4,2026-03-06T10:00:00Z,TWD,900,,,cancelled,BEN10,,,,
o5,2026-03-06T11:00:00Z,TWD,800,,800,refunded,AMY10,,,,
o6,2026-03-07T10:00:00Z,USD,50,,,paid,BEN10,,,true,
o7,2026-04-05T00:00:00Z,TWD,700,,,paid,,,c4,,
o8,2026-03-08T10:00:00Z,TWD,600,,,paid,SPRING,,,,
o9,2026-03-25T00:00:00Z,TWD,400,,,paid,,,c3,,1
""",
    "leads.csv": """\
lead_id,type,ts,click_id,code,utm_content
l1,signup,2026-03-03T00:00:00Z,,AMY10,
l2,download,2026-03-04T00:00:00Z,c6,,
l3,webinar,2026-03-05T00:00:00Z,,,amy.tt
l4,signup,2026-03-05T00:00:00Z,,,
""",
    "traffic.csv": """\
date,source,medium,campaign,content,sessions,new_users,engaged_sessions,pageviews,session_duration_s
2026-02-20,direct,,,,100,,,,
2026-02-21,direct,,,,200,,,,
2026-03-02,direct,,,,200,100,150,500,20000
2026-03-02,instagram,influencer,hand,amy.eats,50,40,30,100,4000
2026-03-03,direct,,,,250,120,,600,26000
""",
    "audience.csv": """\
platform,handle,date,dimension,bucket,share
instagram,amy.eats,2026-03-01,gender,F,60
instagram,amy.eats,2026-03-01,gender,M,40
instagram,ben.fit,2026-03-01,gender,F,30
instagram,ben.fit,2026-03-01,gender,M,70
instagram,amy.eats,2026-03-08,gender,F,62
instagram,amy.eats,2026-03-08,gender,M,38
instagram,amy.eats,2026-03-20,gender,F,90
instagram,amy.eats,2026-03-20,gender,M,10
""",
}


def write(path: Path, files: dict[str, str] | None = None, campaign: str | None = CAMPAIGN) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    if campaign is not None:
        (path / "campaign.yaml").write_text(campaign, encoding="utf-8")
    for name, text in (files if files is not None else FILES).items():
        (path / name).write_text(text, encoding="utf-8")
    return path
