#!/usr/bin/env python3
"""Writes a persons CSV of N clearly fictional rows for timing `kasane import persons`
(BENCHMARKS.md): every column filled, 和暦 and ISO dates, districts by name, a unique
住民宛名番号 per row. Deterministic (seeded). Usage: import_csv.py N OUT.csv [--sjis]"""

import random
import sys

FAMILY = [("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"),
          ("伊藤", "イトウ"), ("渡辺", "ワタナベ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"),
          ("小林", "コバヤシ"), ("加藤", "カトウ"), ("吉田", "ヨシダ"), ("山田", "ヤマダ"),
          ("佐々木", "ササキ"), ("斎藤", "サイトウ"), ("齋藤", "サイトウ"), ("髙橋", "タカハシ"),
          ("工藤", "クドウ"), ("菅原", "スガワラ"), ("鎌田", "カマタ"), ("進藤", "シンドウ"),
          ("雄物", "オモノ"), ("仙北", "センボク"), ("鬼塚", "オニヅカ"), ("藤原", "フジワラ")]
GIVEN = [("花子", "ハナコ"), ("一郎", "イチロウ"), ("和子", "カズコ"), ("健", "ケン"),
         ("幸子", "サチコ"), ("次郎", "ジロウ"), ("美咲", "ミサキ"), ("翔太", "ショウタ"),
         ("節子", "セツコ"), ("勇", "イサム"), ("陽菜", "ヒナ"), ("大翔", "ヒロト"),
         ("恵子", "ケイコ"), ("博", "ヒロシ"), ("愛子", "アイコ"), ("誠", "マコト")]
DISTRICTS = ["大曲", "神岡", "西仙北", "中仙", "協和", "南外", "仙北", "太田"]


def birth(r):
    y = r.randint(1930, 2020)
    m = r.randint(1, 12)
    d = r.randint(1, 28)
    # 和暦 only for whole years inside an era (昭和64年・平成31年 were short).
    if r.random() < 0.5 or y == 1989 or y >= 2019:
        return f"{y}-{m:02}-{d:02}"
    era, start = ("平成", 1989) if y > 1989 else ("昭和", 1926)
    return f"{era}{y - start + 1}年{m}月{d}日"


def main():
    n = int(sys.argv[1])
    out = sys.argv[2]
    encoding = "cp932" if "--sjis" in sys.argv else "utf-8"
    r = random.Random(1)
    with open(out, "w", encoding=encoding, newline="") as f:
        f.write("氏名,フリガナ,生年月日,性別,住所,地区,電話,備考,住民宛名番号\r\n")
        for i in range(n):
            fam, fam_k = r.choice(FAMILY)
            giv, giv_k = r.choice(GIVEN)
            district = r.choice(DISTRICTS)
            sex = r.choice(["男", "女"])
            phone = f"0187-{r.randint(10, 99)}-{r.randint(0, 9999):04}"
            note = "民生委員より情報提供" if r.random() < 0.05 else ""
            address = f"大仙市{district}{r.randint(1, 30)}-{r.randint(1, 99)}"
            f.write(f"{fam} {giv},{fam_k} {giv_k},{birth(r)},{sex},{address},"
                    f"{district},{phone},{note},{100000000 + i}\r\n")


main()
