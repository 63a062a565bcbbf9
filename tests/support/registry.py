"""Small city registries (``cities.yaml``) for evaluation folders in tests: ``ONE_CITY`` holds
测试 (a PC and a mobile address), ``TWO_CITIES`` adds 另一 (a PC address only)."""

ONE_CITY = """
cities:
  - id: testcity
    name: 测试
    province: 测试省
    region: 华东
    platform: gdzwfw
    pc_url: "https://zwfw.test.example/"
    mobile_url: "https://m.zwfw.test.example/"
"""

TWO_CITIES = (
    ONE_CITY
    + """  - id: othercity
    name: 另一
    province: 测试省
    region: 华东
    platform: gdzwfw
    pc_url: "https://other.test.example/"
"""
)
