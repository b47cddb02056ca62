module filnet.test/gorand

go 1.19
